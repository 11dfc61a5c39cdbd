/**
 * The images a stream runs where its spec names none. They are the operator's (its flags, set from the
 * chart's values), applied at every reconcile rather than stored in the stream at creation, so upgrading
 * the operator moves every stream that did not choose an image.
 */
export type DefaultImages = { readonly influxdb: string; readonly grafana: string };

export const DEFAULT_IMAGES: DefaultImages = {
  influxdb: 'influxdb:2.7.12',
  grafana: 'grafana/grafana:12.1.1',
};
