/** `only1mcp list`: the servers of a running gateway and the tools (prompts, resources) each contributes. */
import { parseArgs, UsageError } from '../args.js';
import { fetchAdmin } from '../gateway-url.js';
import { failureDetails, serverHeading, type CatalogItemView, type CatalogView } from '../server-report.js';

/** Longest description shown per tool. */
const DESCRIPTION_CHARS = 70;

export async function list(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true, url: true, json: false });
  if (parsed.positionals.length > 0) throw new UsageError('list takes no arguments');
  const view = await fetchAdmin<CatalogView>(parsed, '/admin/catalog');
  if (!view) return 1;
  if (parsed.flags.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
    return 0;
  }
  for (const server of view.servers) {
    const own = (kind: CatalogItemView[]) => kind.filter((x) => x.backend === server.name);
    const tools = own(view.tools);
    process.stdout.write(
      `${serverHeading(server)}: ${tools.length} tools, ${own(view.prompts).length} prompts, ` +
        `${own(view.resources).length} resources, ${own(view.resourceTemplates).length} templates\n`,
    );
    if (server.state !== 'ready') process.stdout.write(failureDetails(server));
    for (const tool of tools) {
      const description = (tool.description ?? '').replace(/\s+/g, ' ');
      process.stdout.write(`  ${tool.name}${description ? `  ${description.length > DESCRIPTION_CHARS ? `${description.slice(0, DESCRIPTION_CHARS - 1)}…` : description}` : ''}\n`);
    }
  }
  return 0;
}
