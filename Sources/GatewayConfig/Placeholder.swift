// GatewayConfig: placeholder until its first file lands.
