/** The one stylesheet: light and dark (prefers-color-scheme), readable on a phone, ANSI colour classes. */
export const CSS = `
:root{--bg:#fff;--fg:#1b1f24;--mute:#5b636d;--line:#d8dde3;--card:#f5f7f9;--link:#0b5cad;
--ok:#1a7f37;--okbg:#dcf5e3;--bad:#b42318;--badbg:#fde2df;--warn:#9a6700;--warnbg:#fff1c2;
--exc:#7a3ea8;--excbg:#efe2fa;--run:#0b5cad;--runbg:#dbeafe;--skip:#5b636d;--skipbg:#eceff2;--hl:#fff3b0}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--fg:#e3e7ec;--mute:#9aa4af;--line:#2c333b;--card:#171b21;
--link:#6cb6ff;--ok:#56d364;--okbg:#12361d;--bad:#ff7b72;--badbg:#4a1713;--warn:#e3b341;--warnbg:#3d2e05;
--exc:#d2a8ff;--excbg:#2f1a47;--run:#79c0ff;--runbg:#0c2d4e;--skip:#9aa4af;--skipbg:#22272e;--hl:#4b3d06}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
a{color:var(--link)}
header{display:flex;flex-wrap:wrap;gap:.3em 1.2em;align-items:baseline;padding:.5em 1em;border-bottom:1px solid var(--line);background:var(--card)}
header .site{font-weight:700;text-decoration:none;color:var(--fg)}
header nav a{margin-right:.8em}
main{padding:.6em 1em 3em;max-width:110em}
h1{font-size:1.35em;margin:.4em 0}h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.3em 0;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid var(--line);padding:.2em .5em;text-align:left;vertical-align:top}
th{background:var(--card);font-weight:600}
code,pre,.log,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:13px}
.none,.mute{color:var(--mute)}
.res{display:inline-block;padding:0 .35em;border-radius:3px;font-weight:600;font-size:.9em}
.new{display:inline-block;padding:0 .35em;border-radius:3px;font-size:.8em;border:1px solid currentColor}
.r-SUCCESS{color:var(--ok);background:var(--okbg)}.r-FAILURE{color:var(--bad);background:var(--badbg)}
.r-WARNINGS{color:var(--warn);background:var(--warnbg)}.r-EXCEPTION,.r-RETRY{color:var(--exc);background:var(--excbg)}
.r-CANCELLED,.r-SKIPPED,.r-pending,.r-skipped{color:var(--skip);background:var(--skipbg)}
.r-running,.r-dispatched{color:var(--run);background:var(--runbg);animation:pulse 1.6s ease-in-out infinite}
@keyframes pulse{50%{opacity:.55}}
@media (prefers-reduced-motion:reduce){.r-running,.r-dispatched{animation:none}}
.grid td{padding:0;min-width:4.5em}.grid td a{display:block;padding:.15em .4em;text-decoration:none}
.compact td{min-width:2.5em;padding:0 .3em;font-size:.85em}.compact td a{display:inline;padding:0}.compact .names{line-height:1.6}
.log{background:var(--card);border:1px solid var(--line);padding:.3em 0;overflow-x:auto;margin:.3em 0}
.ll{display:flex;white-space:pre-wrap;word-break:break-all;padding-right:.5em}
.ll>a{flex:none;width:4.2em;padding-right:.8em;text-align:right;color:var(--mute);text-decoration:none;user-select:none}
.ll.e>span{color:var(--bad)}.ll.hl{background:var(--hl)}
details>summary{cursor:pointer}
.kv th{width:12em}
.msg{white-space:pre-wrap;margin:.2em 0}
.f0{color:#3b3b3b}.f1{color:#c0352b}.f2{color:#2e8b3a}.f3{color:#a47800}.f4{color:#2b5fce}.f5{color:#a23fb0}.f6{color:#17899a}.f7{color:#8a8f96}
.f8{color:#6b7280}.f9{color:#e5534b}.f10{color:#3fb950}.f11{color:#c69026}.f12{color:#539bf5}.f13{color:#c661d8}.f14{color:#39c5cf}.f15{color:#b6bcc4}
@media (prefers-color-scheme:dark){.f0{color:#8b949e}.f7,.f15{color:#e3e7ec}}
.b0{background:#3b3b3b}.b1{background:#c0352b33}.b2{background:#2e8b3a33}.b3{background:#a4780033}.b4{background:#2b5fce33}.b5{background:#a23fb033}.b6{background:#17899a33}.b7{background:#8a8f9633}
.b8{background:#6b728033}.b9{background:#e5534b33}.b10{background:#3fb95033}.b11{background:#c6902633}.b12{background:#539bf533}.b13{background:#c661d833}.b14{background:#39c5cf33}.b15{background:#b6bcc433}
.ab{font-weight:700}.ad{opacity:.7}.ai{font-style:italic}.au{text-decoration:underline}
form.inline{display:inline}
@media (max-width:600px){body{font-size:14px}main{padding:.4em .5em 2em}.ll>a{width:3.2em;padding-right:.4em}}
`;
