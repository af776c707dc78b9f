// AMQPFrontend: placeholder until its first file lands.
