// Worker entry: wires the app and exports the handler (Durable Object classes are exported here too).
export default {
  async fetch(): Promise<Response> {
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
