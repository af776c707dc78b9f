import AMQPModel
import AMQPWire
import Bytes
import Testing
