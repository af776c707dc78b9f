// MQTTFrontend: placeholder until its first file lands.
