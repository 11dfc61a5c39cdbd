import { Kafka, type KafkaConfig } from 'kafkajs';
import { ignoreKafkajsNegativeTimeout } from '../../src/shell/kafka/warnings.ts';

/**
 * A plain kafkajs client, for tests that need one outside the project's settings (`makeKafka`), with
 * kafkajs's harmless negative-timeout warning filtered as in every process of the project
 * (src/shell/kafka/warnings.ts): a test file's first client otherwise prints it into the test output.
 */
export const bareKafka = (config: KafkaConfig): Kafka => {
  ignoreKafkajsNegativeTimeout();
  return new Kafka(config);
};
