// Lint snippets with the repository's own config through the ESLint Node API,
// in a plain Node process (jest's VM cannot load eslint.config.mjs, an ES module).
// stdin: JSON [{ code, filePath }]; stdout: JSON [[ "ruleId: message", ... ], ...].
import process from 'node:process';
import { ESLint } from 'eslint';

const input = JSON.parse(await new Promise((res) => {
  let text = '';
  process.stdin.on('data', (d) => (text += d));
  process.stdin.on('end', () => res(text));
}));
const eslint = new ESLint({ cwd: process.cwd() });
const out = [];
for (const { code, filePath } of input) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push((result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`));
}
process.stdout.write(JSON.stringify(out));
