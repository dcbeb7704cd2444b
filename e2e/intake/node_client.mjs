// Sends usage through the real npm client `@segment/analytics-node`, as a product team's web
// backend would: group, identify, tracks and pages for three users of account ACME.
import { Analytics } from '@segment/analytics-node';

const [host, writeKey] = process.argv.slice(2);
const errors = [];
const analytics = new Analytics({ writeKey, host, path: '/v1/batch', maxEventsInBatch: 10 });
analytics.on('error', (e) => errors.push(String(e?.reason ?? e)));
for (let u = 0; u < 3; u++) {
  const userId = `node-user-${u}`;
  analytics.group({ userId, groupId: 'ACME', traits: { name: 'Acme' } });
  analytics.identify({ userId, traits: { email: `${userId}@acme.example` } });
  for (let i = 0; i < 5; i++) analytics.track({ userId, event: 'Export Created', properties: { i } });
  analytics.page({ userId, category: 'App', name: 'Dashboard' });
  analytics.page({ userId, name: 'Settings' });
}
await analytics.closeAndFlush();
if (errors.length) {
  console.error('the client reported errors:', errors);
  process.exit(1);
}
console.log('node client: 27 calls sent');
