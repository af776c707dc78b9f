"""Support code for the interop suite: broker processes, definitions, pika helpers, a raw AMQP client."""
