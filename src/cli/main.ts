/** Entry point of the built CLI (bin/corch.mjs imports it). */
export async function main(argv: string[] = process.argv): Promise<void> {
  process.stdout.write(`corch: not yet wired (${argv.length} args)\n`);
}
