/*
 * `semver` for the Lambda bundles: only `gte`, the one function the bundled code calls (the X-Ray
 * SDK's patcher for the AWS SDK v2, under the Powertools Tracer; Herald's clients are v3, so it
 * never even runs). The real package adds 28 KiB to every bundle for that one comparison.
 * test/unit/bundling.test.ts fails if anything else in a bundle starts requiring `semver`, and
 * checks this `gte` against the real one.
 */
function parse(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version).trim());
  if (!match) throw new TypeError(`Invalid Version: ${version}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** `a >= b` for release versions (x.y.z); pre-release tags are not compared. */
exports.gte = (a, b) => {
  const left = parse(a);
  const right = parse(b);
  for (let i = 0; i < 3; i++) if (left[i] !== right[i]) return left[i] > right[i];
  return true;
};
