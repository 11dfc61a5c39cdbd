import { Kafka, type KafkaConfig } from 'kafkajs';
import { mendKafkajsRequestQueue } from '../../src/shell/kafka/requestQueue.ts';

/**
 * A plain kafkajs client, for tests that need one outside the project's settings (`makeKafka`), with
 * kafkajs's request queue mended as in every process of the project (src/shell/kafka/requestQueue.ts).
 */
export const bareKafka = (config: KafkaConfig): Kafka => {
  mendKafkajsRequestQueue();
  return new Kafka(config);
};
