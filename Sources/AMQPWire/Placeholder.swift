// AMQPWire: placeholder until its first file lands.
