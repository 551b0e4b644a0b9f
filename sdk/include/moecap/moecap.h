/* moecap SDK — umbrella header: everything a plugin needs. */
#ifndef MOECAP_MOECAP_H
#define MOECAP_MOECAP_H

#include "moecap/version.h"
#include "moecap/types.h"
#include "moecap/host_api.h"
#include "moecap/plugin.h"
#include "moecap/model.h"
#include "moecap/backend.h"
#include "moecap/task.h"
#include "moecap/sink.h"

#endif /* MOECAP_MOECAP_H */
