/** bb's version, shown by `bb --version` and the chat's `version`. */
export const VERSION = '0.1.0';
