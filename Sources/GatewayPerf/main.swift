#if canImport(Glibc)
import Glibc
#endif

// gatewayperf: a load generator for Gateway and any other AMQP 0-9-1 (later MQTT) broker.
// Ignore SIGPIPE: a broker that drops the connection must surface as an EPIPE error, not kill the tool.
signal(SIGPIPE, SIG_IGN)
exit(SubcommandDispatcher.main(Array(CommandLine.arguments.dropFirst())))
