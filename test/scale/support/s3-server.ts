// s3rver as a process of its own (see own-services.ts): node --import tsx s3-server.ts <port> <dir> <bucket>
const [port, directory, bucket] = process.argv.slice(2);
const { default: S3rver } = (await import('s3rver')) as unknown as { default: new (opts: object) => { run(): Promise<unknown> } };
await new S3rver({ port: Number(port), address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] }).run();
