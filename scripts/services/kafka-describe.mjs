// Prints the cluster id, controller and brokers of a Kafka cluster (used by kafka.sh status).
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const broker = process.argv[2] ?? '127.0.0.1:19092';
const admin = new Kafka({
  clientId: 'services-status',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
}).admin();
await admin.connect();
try {
  const c = await admin.describeCluster();
  const brokers = c.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(',');
  console.log(`clusterId=${c.clusterId} controller=${c.controller} brokers=${brokers}`);
} finally {
  await admin.disconnect();
}
