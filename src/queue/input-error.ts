/** Input a client sent that bb refuses (a bad change, no answer from the master): one line for the user. */
export class InputError extends Error {}
