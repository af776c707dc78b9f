#ifndef GATEWAY_CCRYPT_SHIM_H
#define GATEWAY_CCRYPT_SHIM_H
#include <crypt.h>
#endif
