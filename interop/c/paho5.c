/*
 * An MQTT 5 round trip with the Eclipse Paho C client (libpaho-mqtt3c), for the interop suite.
 *
 * Usage: paho5 <uri> <client-id> <topic>
 * Connects with MQTT 5 (guest/guest, session expiry 60 s), subscribes to <topic> at QoS 1 with subscription
 * identifier 5, publishes one QoS 1 message to it with a content type and two user properties, receives it back
 * and prints, one per line:
 *   connack <reason code> expiry=<session expiry the server granted, or -1>
 *   suback <granted QoS or reason code>
 *   message <topic> <payload> content-type=<...> subid=<n> user=<name>=<value>,...
 * Exits 0 when every step worked, 1 with a line on stderr otherwise.
 */
#include <MQTTClient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_string(MQTTProperties *props, enum MQTTPropertyCodes code, const char *value) {
    MQTTProperty p;
    memset(&p, 0, sizeof p);
    p.identifier = code;
    p.value.data.data = (char *)value;
    p.value.data.len = (int)strlen(value);
    MQTTProperties_add(props, &p);
}

static void add_pair(MQTTProperties *props, const char *name, const char *value) {
    MQTTProperty p;
    memset(&p, 0, sizeof p);
    p.identifier = MQTTPROPERTY_CODE_USER_PROPERTY;
    p.value.data.data = (char *)name;
    p.value.data.len = (int)strlen(name);
    p.value.value.data = (char *)value;
    p.value.value.len = (int)strlen(value);
    MQTTProperties_add(props, &p);
}

static void add_int(MQTTProperties *props, enum MQTTPropertyCodes code, int value) {
    MQTTProperty p;
    memset(&p, 0, sizeof p);
    p.identifier = code;
    p.value.integer4 = (unsigned int)value;
    MQTTProperties_add(props, &p);
}

static int fail(const char *what, int rc) {
    fprintf(stderr, "paho5: %s failed: %d\n", what, rc);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: paho5 <uri> <client-id> <topic>\n");
        return 2;
    }
    const char *uri = argv[1], *cid = argv[2], *topic = argv[3];
    MQTTClient client;
    MQTTClient_createOptions create = MQTTClient_createOptions_initializer;
    create.MQTTVersion = MQTTVERSION_5;
    int rc = MQTTClient_createWithOptions(&client, uri, cid, MQTTCLIENT_PERSISTENCE_NONE, NULL, &create);
    if (rc != MQTTCLIENT_SUCCESS) return fail("create", rc);

    MQTTClient_connectOptions conn = MQTTClient_connectOptions_initializer5;
    conn.username = "guest";
    conn.password = "guest";
    conn.cleanstart = 1;
    MQTTProperties connect_props = MQTTProperties_initializer;
    add_int(&connect_props, MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL, 60);
    MQTTResponse r = MQTTClient_connect5(client, &conn, &connect_props, NULL);
    if (r.reasonCode != MQTTREASONCODE_SUCCESS) return fail("connect", r.reasonCode);
    int granted_expiry = -1;
    if (r.properties && MQTTProperties_hasProperty(r.properties, MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL))
        granted_expiry = MQTTProperties_getNumericValue(r.properties, MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL);
    printf("connack %d expiry=%d\n", r.reasonCode, granted_expiry);
    MQTTResponse_free(r);

    MQTTSubscribe_options sub_opts = MQTTSubscribe_options_initializer;
    MQTTProperties sub_props = MQTTProperties_initializer;
    add_int(&sub_props, MQTTPROPERTY_CODE_SUBSCRIPTION_IDENTIFIER, 5);
    r = MQTTClient_subscribe5(client, topic, 1, &sub_opts, &sub_props);
    printf("suback %d\n", r.reasonCode);
    if (r.reasonCode != MQTTREASONCODE_GRANTED_QOS_1) return fail("subscribe", r.reasonCode);
    MQTTResponse_free(r);

    MQTTClient_message msg = MQTTClient_message_initializer;
    char payload[] = "from paho c";
    msg.payload = payload;
    msg.payloadlen = (int)strlen(payload);
    msg.qos = 1;
    add_string(&msg.properties, MQTTPROPERTY_CODE_CONTENT_TYPE, "text/plain");
    add_pair(&msg.properties, "lang", "c");
    add_pair(&msg.properties, "lang", "swift");
    MQTTClient_deliveryToken token;
    r = MQTTClient_publishMessage5(client, topic, &msg, &token);
    if (r.reasonCode != MQTTREASONCODE_SUCCESS) return fail("publish", r.reasonCode);
    MQTTResponse_free(r);
    rc = MQTTClient_waitForCompletion(client, token, 10000);
    if (rc != MQTTCLIENT_SUCCESS) return fail("publish completion", rc);

    char *got_topic = NULL;
    int got_len = 0;
    MQTTClient_message *got = NULL;
    rc = MQTTClient_receive(client, &got_topic, &got_len, &got, 10000);
    if (rc != MQTTCLIENT_SUCCESS && rc != MQTTCLIENT_TOPICNAME_TRUNCATED) return fail("receive", rc);
    if (got == NULL) return fail("receive (nothing within 10 s)", 0);
    printf("message %s %.*s", got_topic, got->payloadlen, (char *)got->payload);
    MQTTProperty *ct = MQTTProperties_getProperty(&got->properties, MQTTPROPERTY_CODE_CONTENT_TYPE);
    printf(" content-type=%.*s", ct ? ct->value.data.len : 0, ct ? ct->value.data.data : "");
    printf(" subid=%d", MQTTProperties_getNumericValue(&got->properties, MQTTPROPERTY_CODE_SUBSCRIPTION_IDENTIFIER));
    printf(" user=");
    int n = MQTTProperties_propertyCount(&got->properties, MQTTPROPERTY_CODE_USER_PROPERTY);
    for (int i = 0; i < n; i++) {
        MQTTProperty *u = MQTTProperties_getPropertyAt(&got->properties, MQTTPROPERTY_CODE_USER_PROPERTY, i);
        printf("%s%.*s=%.*s", i ? "," : "", u->value.data.len, u->value.data.data, u->value.value.len,
               u->value.value.data);
    }
    printf("\n");
    MQTTClient_freeMessage(&got);
    MQTTClient_free(got_topic);

    MQTTProperties_free(&connect_props);
    MQTTProperties_free(&sub_props);
    MQTTProperties_free(&msg.properties);
    MQTTClient_disconnect5(client, 1000, MQTTREASONCODE_NORMAL_DISCONNECTION, NULL);
    MQTTClient_destroy(&client);
    return 0;
}
