import type { BuildCell } from './console-model.js';
import { html, href, raw, type Html } from './html.js';

/**
 * The console's grid with many builders (above GRID_MAX_BUILDERS), small enough that 1,000
 * builders × 8 revisions stay under 100 KB: per group, the builders green at every revision shown
 * are one row of names, those that built none of them another; every other builder is a row whose
 * runs of the same quiet cell (green, or no build) merge and whose other cells (failed, running, …)
 * link to their build. Each builder's name links to its page, where every build is. End tags that
 * HTML allows to leave out are left out.
 */

const word = (b: BuildCell | undefined): string => (b ? (b.result ?? b.state) : '');

const SHORT: Record<string, string> = { SUCCESS: 'ok', FAILURE: 'fail', WARNINGS: 'warn', EXCEPTION: 'exc', RETRY: 'retry', CANCELLED: 'cancel', SKIPPED: 'skip', running: 'run', dispatched: 'start' };

/** A builder's name linking to its page (no quotes needed: the path is percent-encoded and escaped). */
function nameLink(name: string): string {
  return html`<a href=${href('builders', name)}>${name}</a>`.text;
}

/** One builder's cells: runs of the same quiet cell merged with `colspan`, every other cell a link to its build. */
export function compactCells(cells: Array<BuildCell | undefined>): string {
  let out = '';
  for (let i = 0; i < cells.length; ) {
    const b = cells[i];
    const w = word(b);
    if (b && w !== 'SUCCESS') {
      out += html`<td class="r-${w}"><a href="${href('builders', b.builder, 'builds', b.number)}">${SHORT[w] ?? w}</a>`.text;
      i++;
      continue;
    }
    let n = 1;
    while (i + n < cells.length && word(cells[i + n]) === w) n++;
    out += `<td${n > 1 ? ` colspan=${n}` : ''}${w ? ' class=r-SUCCESS>ok' : '>'}`;
    i += n;
  }
  return out;
}

/** One group (category · tier) of the compact grid: its heading, the all-green and nothing-built builders by name, then a row for each other builder. */
export function compactGroup(label: string, builders: string[], cols: number, cellsOf: (builder: string) => Array<BuildCell | undefined>): Html {
  const green: string[] = [];
  const none: string[] = [];
  const rows: string[] = [];
  for (const name of builders) {
    const cells = cellsOf(name);
    if (cols && cells.every((c) => word(c) === 'SUCCESS')) green.push(name);
    else if (cells.every((c) => !c)) none.push(name);
    else rows.push(`<tr><td>${nameLink(name)}${compactCells(cells)}`);
  }
  const span = cols + 1;
  const list = (names: string[]) => raw(names.map(nameLink).join(' '));
  return html`<tr><th colspan=${span}>${label}${green.length ? html`<tr><td colspan=${span} class="r-SUCCESS names">ok at all ${cols} revisions (${green.length}): ${list(green)}` : ''}${none.length ? html`<tr><td colspan=${span} class="names">no build of these revisions (${none.length}): ${list(none)}` : ''}${raw(rows.join(''))}`;
}
