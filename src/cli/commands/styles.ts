/** `darkroom styles <feature>`: lists a feature's style groups and their styles, through the API. */
import type { Command } from 'commander';
import { FEATURES, resolveFeature, type Client } from '@darkroom/sdk';
import { renderStyleThumbnails } from '../style-thumbnails.js';
import { quietLog, type CliContext } from '../context.js';
import { addConnectionOptions, clientFromOptions, connectionDefaults, describeError, type ConnectionOptions } from './run.js';

/** Lines of "group <id>  <title>" followed by indented "<id>  <title>" styles. */
export async function listStyles(client: Client, featureArg: string, groupId?: string): Promise<string> {
  const feature = resolveFeature(featureArg);
  if (!feature) throw new Error(`unknown feature "${featureArg}"`);
  if (!FEATURES[feature].hasStyles) throw new Error(`${feature} has no styles`);
  const lines: string[] = [];
  for await (const group of client.styleGroups(feature, { pageSize: 20 })) {
    if (groupId !== undefined && String(group.id) !== groupId) continue;
    lines.push(`group ${group.id}  ${group.info?.title ?? ''}`.trimEnd());
    for await (const style of client.styles(feature, group.id, { pageSize: 20 })) {
      lines.push(`  ${style.id}  ${style.info?.title ?? ''}`.trimEnd());
    }
  }
  return lines.join('\n');
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('styles')
    .description('list the style groups and styles of a feature (use the ids as --param style_group_id=… style_ids=[…])')
    .argument('<feature>', 'a feature with styles: text-to-image, hair-style, hair-ext, hair-bang, hair-vol; or "thumbnails" to render every thumbnail through the diffusion backend')
    .option('-g, --group <id>', 'only this style group')
    .option('--only <feature>', 'thumbnails: only this feature')
    .option('--force', 'thumbnails: re-render existing ones');
  addConnectionOptions(cmd).action(async (feature: string, opts: ConnectionOptions & { group?: string; only?: string; force?: boolean }) => {
    if (feature === 'thumbnails') {
      const report = await renderStyleThumbnails({
        config: ctx.config(),
        log: quietLog,
        feature: opts.only,
        force: opts.force,
        onStyle: (style, done, total) => process.stdout.write(`[${done}/${total}] ${style.id} ${style.title}\n`),
      });
      console.log(`rendered ${report.rendered.length}, kept ${report.skipped.length}, failed ${report.failed.length} into ${ctx.config().dataDir}/styles/thumbnails`);
      if (report.failed.length) process.exitCode = 1;
      return;
    }
    try {
      process.stdout.write(`${await listStyles(clientFromOptions(opts, connectionDefaults(ctx)), feature, opts.group)}\n`);
    } catch (err) {
      process.stderr.write(`${describeError(err)}\n`);
      process.exitCode = 1;
    }
  });
}
