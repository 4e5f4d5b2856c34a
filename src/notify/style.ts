import type { Result } from '../model/results.js';
import { inline } from '../util/safe-text.js';

/**
 * How one medium shows the parts of an announcement. `text`, `code` and `link` receive untrusted
 * strings and must make them safe for the medium; `bold` receives what they returned.
 */
export interface Style {
  text(s: string): string;
  code(s: string): string;
  bold(rendered: string): string;
  result(r: Result): string;
  link(url: string): string;
}

/** Plain text: what shells and IRC (without colours) show. */
export const plainStyle: Style = {
  text: inline,
  code: inline,
  bold: (s) => s,
  result: (r) => r,
  link: (url) => url,
};
