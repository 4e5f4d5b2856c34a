import type { Result } from '../model/results.js';
import { plainStyle, type Style } from './style.js';

const BOLD = '\x02';
const COLOUR = '\x03';

/** mIRC colour numbers, two digits so a following digit is never read as part of the code. */
const RESULT_COLOUR: Record<Result, string> = {
  SUCCESS: '03', // green
  WARNINGS: '07', // orange
  FAILURE: '04', // red
  EXCEPTION: '06', // purple
  SKIPPED: '14', // grey
  RETRY: '14',
  CANCELLED: '14',
};

/** IRC with mIRC formatting: the builder in bold, the result in its colour. */
export const ircColourStyle: Style = {
  ...plainStyle,
  bold: (s) => `${BOLD}${s}${BOLD}`,
  result: (r) => `${COLOUR}${RESULT_COLOUR[r] ?? '14'}${r}${COLOUR}`,
};
