// The console's one stylesheet, served at /console/assets/console.css (kept in code so the build
// carries it to dist/ with everything else). Plain CSS: readable type, visible focus, table layout.
export const CONSOLE_CSS = `
:root { --ink: #1b1f24; --muted: #4a5360; --line: #c9ced6; --accent: #0b5cad; --bg: #ffffff; --band: #f3f5f8; --bad: #a3161a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus, main:focus-visible { outline: 3px solid #f5a700; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--ink); color: #fff; padding: .5rem 1rem; }
.skip:focus { left: 0; z-index: 10; }
.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 2rem; padding: .75rem 1.5rem; background: var(--band); border-bottom: 1px solid var(--line); }
.brand { margin: 0; font-weight: 700; }
.brand .org { font-weight: 400; color: var(--muted); }
nav ul { list-style: none; display: flex; gap: 1.25rem; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 3px; }
.sign-out { margin-left: auto; display: flex; align-items: center; gap: .5rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 80rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .35rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-end; margin: 0 0 1rem; }
form.filters div, form.action div { display: flex; flex-direction: column; }
label { font-weight: 600; font-size: .9rem; }
input, select, button { font: inherit; padding: .3rem .5rem; }
button { background: var(--accent); color: #fff; border: 1px solid var(--accent); border-radius: 3px; cursor: pointer; }
form.action { border: 1px solid var(--line); padding: .75rem 1rem; margin: .5rem 0; max-width: 36rem; }
form.action div { margin: 0 0 .5rem; }
.muted { color: var(--muted); }
.bad { color: var(--bad); font-weight: 600; }
.notice { border-left: 4px solid var(--accent); background: var(--band); padding: .5rem 1rem; }
.chart { max-width: 48rem; height: auto; }
.pager { display: flex; gap: 1rem; }
textarea { font: inherit; padding: .3rem .5rem; min-width: 20rem; }
textarea:focus { outline: 3px solid #f5a700; outline-offset: 2px; }
fieldset { border: 1px solid var(--line); margin: .75rem 0; padding: .5rem 1rem .75rem; }
legend { font-weight: 700; padding: 0 .25rem; }
form.settings { max-width: 48rem; }
form.settings fieldset > div { display: flex; flex-direction: column; margin: 0 0 .6rem; }
label.check { display: block; font-weight: 400; }
.buttons { display: flex; flex-wrap: wrap; gap: .75rem; margin: .5rem 0 1rem; }
button.danger { background: var(--bad); border-color: var(--bad); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
form.roles fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0 1rem; }
.problems { border-left: 4px solid var(--bad); padding: .25rem 1rem; margin: .5rem 0; }
section.level { border-top: 2px solid var(--line); margin-top: 1.5rem; }
.row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
.field { display: flex; flex-direction: column; margin: 0 0 .5rem; }
.field.check { flex-direction: row; align-items: center; gap: .4rem; }
.hint { font-size: .8rem; max-width: 16rem; }
fieldset { border: 1px solid var(--line); margin: .5rem 0; padding: .5rem .75rem; }
fieldset.action-spec { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: flex-end; }
legend { font-weight: 600; }
textarea { font: .9rem/1.4 ui-monospace, monospace; width: 100%; }
button.secondary { background: #fff; color: var(--accent); }
.buttons { margin: .5rem 0; display: flex; gap: .5rem; }
.problems { border-left: 4px solid var(--bad); padding: .25rem 1rem; margin: 1rem 0; }
ul.inline { list-style: none; display: flex; gap: 1.25rem; padding: 0; }
ul.plain { list-style: none; margin: 0; padding: 0; }
form.inline { display: inline; }
tr.differs td { background: #fff7e0; }
`;
