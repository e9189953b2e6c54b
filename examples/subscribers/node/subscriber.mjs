// Reads the agreement-signed events of Arctic RDI Hub with the official NATS client (nats.js)
// and the official CloudEvents SDK, nothing of the project's own:
//
//   cd examples/subscribers/node && npm ci && node subscriber.mjs            (against `make up`)
//   node subscriber.mjs --count 2                                            (stop after two)
//
// Settings, all optional: NATS_URL, NATS_USER, NATS_PASSWORD (as the Python example).
// Each event is printed as one JSON line. docs/subscribing.md explains the rest.
import { AckPolicy, DeliverPolicy, connect } from "nats";
import { HTTP } from "cloudevents";

const STREAM = "PARTNERSHIPS"; // the stream of the subject: x-jetstream-stream in the AsyncAPI
const SUBJECT = "arctic.partnerships.agreement.signed.v1";
const user = process.env.NATS_USER ?? "subscriber";
const durable = `${user}-node`; // <user>-<purpose>: a durable of this system's own

const countAt = process.argv.indexOf("--count");
const count = countAt > 0 ? Number(process.argv[countAt + 1]) : Infinity;

const nc = await connect({
  servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  user,
  pass: process.env.NATS_PASSWORD ?? `${user}-local`, // the local stack's password
});
const jsm = await nc.jetstreamManager();
try {
  await jsm.consumers.info(STREAM, durable);
} catch {
  // First run: a durable of our own, from the first event the stream still holds.
  await jsm.consumers.add(STREAM, {
    durable_name: durable,
    filter_subject: SUBJECT,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_deliver: 10,
  });
}
const consumer = await nc.jetstream().consumers.get(STREAM, durable);
const messages = await consumer.consume({ max_messages: 1 });

let handled = 0;
for await (const m of messages) {
  // Binary-mode CloudEvents: the attributes are the ce-* headers, the body is the data.
  const headers = {};
  for (const [name, values] of m.headers ?? []) headers[name.toLowerCase()] = values[0];
  let event;
  try {
    event = HTTP.toEvent({ headers, body: m.string() });
    event.validate();
  } catch (error) {
    console.error(`not a valid event, termed: ${error}`);
    m.term();
    continue;
  }
  console.log(
    JSON.stringify({
      id: event.id,
      type: event.type,
      subject: event.subject, // the aggregate id: here the agreement's
      correlationid: event.correlationid,
      partner: event.data.partner.name,
      ends_on: event.data.term.ends_on,
    }),
  );
  m.ack(); // only after the event was handled
  if (++handled >= count) break;
}
await nc.drain();
