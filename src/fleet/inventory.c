/* SPDX-License-Identifier: MIT */
/*
 * The fleet inventory (see inventory.h and espfleet-inventory(5)): a
 * strict reader over cJSON that names the file, line and column of every
 * problem (json-pos.h finds them), the same rules for devices added from
 * code, selection by group (and name, board, shard), targets and passwords
 * for a push, and the writer of the format.
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "espfleet/common.h"
#include "espfleet/inventory.h"
#include "espfleet/json-pos.h"
#include "espfleet/secret.h"
#include "espfleet/select.h"
#include "espfleet/shard.h"
#include "espfleet/target.h"
#include "espfleet/text.h"

#define INV_FILE_MAX (64u << 20)
#define EFL_WHY_LEN (sizeof(((struct efl_errbuf *)0)->msg) + 8)

/* One reading of a file: what messages need. */
struct rd {
	struct efl_inventory *inv;
	char path[256];           /* shown: escaped */
	const char *text;
	size_t len;
	struct efl_json_index *ix;
	struct efl_errbuf *eb;
	const cJSON **name_items; /* per device, for the duplicate check */
};

static const char *const top_keys[] = { "version", "groups", "devices",
	NULL };
static const char *const group_keys[] = { "password_env", "password_file",
	NULL };
static const char *const device_keys[] = { "name", "address", "port",
	"transport", "board", "groups", NULL };

const char *
efl_inv_transport_name(enum efl_inv_transport t)
{
	return t == EFL_INV_HTTP ? "http" : "espota";
}

uint16_t
efl_inv_transport_port(enum efl_inv_transport t)
{
	return t == EFL_INV_HTTP ? 80 : 8266;
}

/* ---- messages ---- */

static int
fail_pos(struct rd *r, struct efl_json_pos p, const char *fmt, ...)
    EFL_PRINTFLIKE(3, 4);

static int
fail_pos(struct rd *r, struct efl_json_pos p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p.line == 0)
		efl_errbuf_set(r->eb, "%s: %s", r->path, msg);
	else
		efl_errbuf_set(r->eb, "%s:%u:%u: %s", r->path, p.line, p.col,
		    msg);
	return -1;
}

#define AT_KEY(r, item) efl_json_key_pos((r)->ix, (item))
#define AT_VALUE(r, item) efl_json_value_pos((r)->ix, (item))

/* s escaped for a message (at most 64 bytes of it). */
static const char *
shown(char out[80], const char *s)
{
	size_t n = strlen(s);

	efl_printable(out, n > 64 ? 61 : 80, s, n);
	if (n > 64)
		strcat(out, "...");
	return out;
}

static const char *
json_type(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	return "an object";
}

static int
wrong_type(struct rd *r, const cJSON *v, const char *what, const char *want)
{
	return fail_pos(r, AT_VALUE(r, v), "%s must be %s, not %s", what, want,
	    json_type(v));
}

/* ---- rules shared by the reader and efl_inventory_add_device ---- */

/* Why a device's name or board cannot be one, or NULL: 1 to 63 bytes of
 * printable UTF-8, shown as they are everywhere. */
static const char *
label_problem(const char *s)
{
	if (*s == '\0')
		return "is empty";
	if (strlen(s) > EFL_INV_NAME_MAX)
		return "is longer than 63 bytes";
	if (!efl_text_is_clean(s, strlen(s)))
		return "holds control characters, invalid UTF-8 or '\\'";
	return NULL;
}

/* Group names: on command lines and in CI matrices. */
static const char *
group_name_problem(const char *g)
{
	size_t n = strlen(g);

	if (n == 0)
		return "is empty";
	if (n > EFL_INV_GROUP_MAX)
		return "is longer than 63 bytes";
	if (strspn(g, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != n || g[0] == '-' || g[0] == '.')
		return "is not letters, digits, '.', '_' and '-' (starting "
		    "with a letter or digit)";
	return NULL;
}

/* 0 if address (an IP address or host name, no port) can be reached on
 * port; else -1 with the reason in why. */
static int
address_check(const char *address, uint16_t port, char *why, size_t cap)
{
	struct efl_target t;
	struct efl_errbuf eb;
	const char *colon = strchr(address, ':');

	if (colon != NULL && strchr(colon + 1, ':') == NULL) {
		snprintf(why, cap, "holds a port: it goes in \"port\"");
		return -1;
	}
	if (address[0] == '[') {
		snprintf(why, cap, "no brackets: an IPv6 address is written "
		    "as it is, its port goes in \"port\"");
		return -1;
	}
	if (efl_target_parse(&t, address, port, &eb) != 0) {
		snprintf(why, cap, "%s", eb.msg);
		return -1;
	}
	efl_target_free(&t);
	return 0;
}

/* An unknown key that looks like it holds a secret. */
static int
looks_like_password(const char *key)
{
	static const char *const words[] = { "pass", "secret", "pwd",
		"token", "credential" };
	char low[64];
	size_t i;

	for (i = 0; i + 1 < sizeof(low) && key[i] != '\0'; i++)
		low[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 :
		    key[i]);
	low[i] = '\0';
	if (strcmp(low, "pw") == 0 || strcmp(low, "auth") == 0 ||
	    strcmp(low, "key") == 0)
		return 1;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(low, words[i]) != NULL)
			return 1;
	return 0;
}

/*
 * Every key of obj is one of known[] and appears once. what names obj in
 * messages ("device 'kitchen'"). The value of an unknown key is never
 * shown: it may be a password.
 */
static int
check_keys(struct rd *r, const cJSON *obj, const char *const *known,
    const char *what, int is_device)
{
	const cJSON *m, *prev;
	char key[80], list[160];
	size_t k, pos;

	for (m = obj->child; m != NULL; m = m->next) {
		shown(key, m->string);
		for (prev = obj->child; prev != m; prev = prev->next)
			if (strcmp(prev->string, m->string) == 0)
				return fail_pos(r, AT_KEY(r, m), "%s: key '%s' "
				    "given twice (first on line %u)", what, key,
				    AT_KEY(r, prev).line);
		if (efl_json_string_has_nul(r->ix, m) ||
		    strlen(m->string) > 64)
			return fail_pos(r, AT_KEY(r, m), "%s: unknown key "
			    "'%s'", what, key);
		for (k = 0; known[k] != NULL; k++)
			if (strcmp(known[k], m->string) == 0)
				break;
		if (known[k] != NULL)
			continue;
		if (is_device && (strcmp(m->string, "password_env") == 0 ||
		    strcmp(m->string, "password_file") == 0))
			return fail_pos(r, AT_KEY(r, m), "%s: \"%s\" belongs "
			    "to a group: put the device in a group that says "
			    "where its password comes from", what, key);
		if (looks_like_password(m->string))
			return fail_pos(r, AT_KEY(r, m), "%s: '%s': a "
			    "password does not belong in the inventory "
			    "(whoever reads the file has it); a group names "
			    "where it comes from with \"password_env\" (an "
			    "environment variable) or \"password_file\"", what,
			    key);
		for (k = 0, pos = 0; known[k] != NULL && pos < sizeof(list);
		    k++)
			pos += (size_t)snprintf(list + pos, sizeof(list) - pos,
			    "%s%s", k > 0 ? ", " : "", known[k]);
		return fail_pos(r, AT_KEY(r, m), "%s: unknown key '%s' "
		    "(known: %s)", what, key, list);
	}
	return 0;
}

/* A string member: NULL if absent; -1 (message) if not a clean string. */
static int
get_string(struct rd *r, const cJSON *obj, const char *key,
    const char *what, const cJSON **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char label[160];

	*out = NULL;
	if (v == NULL)
		return 0;
	snprintf(label, sizeof(label), "%s: \"%s\"", what, key);
	if (!cJSON_IsString(v))
		return wrong_type(r, v, label, "a string");
	if (efl_json_string_has_nul(r->ix, v))
		return fail_pos(r, AT_VALUE(r, v), "%s holds \\u0000 or a \\u "
		    "escape that is not 4 hex digits", label);
	*out = v;
	return 0;
}

/* ---- groups ---- */

static int
parse_group(struct rd *r, const cJSON *g, struct efl_inv_group *out)
{
	const cJSON *env, *file;
	char what[120], name[80];
	const char *why;

	snprintf(what, sizeof(what), "group '%s'", shown(name, g->string));
	out->line = AT_KEY(r, g).line;
	if ((why = group_name_problem(g->string)) != NULL ||
	    efl_json_string_has_nul(r->ix, g))
		return fail_pos(r, AT_KEY(r, g), "group name '%s' %s", name,
		    why != NULL ? why : "holds \\u0000");
	out->name = xstrdup(g->string);
	if (!cJSON_IsObject(g))
		return wrong_type(r, g, what, "an object");
	if (check_keys(r, g, group_keys, what, 0) != 0 ||
	    get_string(r, g, "password_env", what, &env) != 0 ||
	    get_string(r, g, "password_file", what, &file) != 0)
		return -1;
	if (env != NULL && file != NULL)
		return fail_pos(r, AT_KEY(r, file), "%s: \"password_env\" and "
		    "\"password_file\" exclude each other", what);
	if (env != NULL) {
		const char *v = env->valuestring;
		size_t n = strlen(v);

		/* the value is not shown: it may be the password itself */
		if (n == 0 || n > EFL_INV_ENV_MAX || (v[0] >= '0' &&
		    v[0] <= '9') || strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n)
			return fail_pos(r, AT_VALUE(r, env), "%s: "
			    "\"password_env\" must be the name of an "
			    "environment variable (letters, digits and '_', "
			    "not starting with a digit), not the password",
			    what);
		out->password_env = xstrdup(v);
	}
	if (file != NULL) {
		const char *v = file->valuestring, *slash;

		if (*v == '\0' || strlen(v) > EFL_INV_PATH_MAX ||
		    !efl_text_is_clean(v, strlen(v)))
			return fail_pos(r, AT_VALUE(r, file), "%s: "
			    "\"password_file\" must be a file name (at most "
			    "4096 bytes of printable UTF-8)", what);
		out->password_file = xstrdup(v);
		slash = r->inv->path != NULL ? strrchr(r->inv->path, '/') :
		    NULL;
		out->password_path = v[0] == '/' || slash == NULL ?
		    xstrdup(v) : xasprintf("%.*s/%s",
		    (int)(slash - r->inv->path), r->inv->path, v);
	}
	return 0;
}

static int
parse_groups(struct rd *r, const cJSON *groups)
{
	struct efl_inventory *inv = r->inv;
	const cJSON *g;

	if (!cJSON_IsObject(groups))
		return wrong_type(r, groups, "\"groups\"", "an object of "
		    "groups by name");
	inv->groups = xcalloc((size_t)cJSON_GetArraySize(groups) + 1,
	    sizeof(*inv->groups));
	for (g = groups->child; g != NULL; g = g->next) {
		const cJSON *prev;

		for (prev = groups->child; prev != g; prev = prev->next)
			if (strcmp(prev->string, g->string) == 0) {
				char name[80];

				return fail_pos(r, AT_KEY(r, g), "group '%s' "
				    "declared twice (first on line %u)",
				    shown(name, g->string),
				    AT_KEY(r, prev).line);
			}
		if (parse_group(r, g, &inv->groups[inv->ngroups++]) != 0)
			return -1;
	}
	return 0;
}

/* ---- devices ---- */

static int
parse_port(struct rd *r, const cJSON *dev, const char *what, uint16_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(dev, "port");
	char label[160];

	if (v == NULL)
		return 0;
	snprintf(label, sizeof(label), "%s: \"port\"", what);
	if (!cJSON_IsNumber(v))
		return wrong_type(r, v, label, "a number");
	if (!isfinite(v->valuedouble) || v->valuedouble != floor(
	    v->valuedouble) || v->valuedouble < 1 || v->valuedouble > 65535)
		return fail_pos(r, AT_VALUE(r, v), "%s must be a whole number "
		    "from 1 to 65535", label);
	*out = (uint16_t)v->valuedouble;
	return 0;
}

static int
parse_transport(struct rd *r, const cJSON *dev, const char *what,
    enum efl_inv_transport *out)
{
	const cJSON *v;

	if (get_string(r, dev, "transport", what, &v) != 0)
		return -1;
	if (v == NULL)
		return 0;
	if (strcmp(v->valuestring, "espota") == 0)
		*out = EFL_INV_ESPOTA;
	else if (strcmp(v->valuestring, "http") == 0)
		*out = EFL_INV_HTTP;
	else {
		char t[80];

		return fail_pos(r, AT_VALUE(r, v), "%s: unknown transport "
		    "'%s' (espota or http)", what, shown(t, v->valuestring));
	}
	return 0;
}

/* The device's groups, and the one of them that gives its password. */
static int
parse_device_groups(struct rd *r, const cJSON *dev, const char *what,
    struct efl_inv_device *d)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(dev, "groups");
	const cJSON *g, *prev, *pw_item = NULL;
	char label[160], name[80];
	long idx;

	if (list == NULL)
		return 0;
	snprintf(label, sizeof(label), "%s: \"groups\"", what);
	if (!cJSON_IsArray(list))
		return wrong_type(r, list, label, "an array of group names");
	d->groups = xcalloc((size_t)cJSON_GetArraySize(list) + 1,
	    sizeof(*d->groups));
	for (g = list->child; g != NULL; g = g->next) {
		if (!cJSON_IsString(g))
			return wrong_type(r, g, label, "an array of group "
			    "names");
		idx = efl_inventory_group(r->inv, g->valuestring);
		if (idx < 0 || efl_json_string_has_nul(r->ix, g))
			return fail_pos(r, AT_VALUE(r, g), "%s: group '%s' is "
			    "not declared in \"groups\"", what,
			    shown(name, g->valuestring));
		for (prev = list->child; prev != g; prev = prev->next)
			if (strcmp(prev->valuestring, g->valuestring) == 0)
				return fail_pos(r, AT_VALUE(r, g), "%s: group "
				    "'%s' listed twice", what,
				    shown(name, g->valuestring));
		d->groups[d->ngroups++] = (uint32_t)idx;
		if (r->inv->groups[idx].password_env == NULL &&
		    r->inv->groups[idx].password_file == NULL)
			continue;
		if (d->password_group >= 0) {
			char first[80];

			return fail_pos(r, AT_VALUE(r, g), "%s: groups '%s' "
			    "and '%s' both say where the password comes "
			    "from; a device takes it from one group only",
			    what, shown(first, pw_item->valuestring),
			    shown(name, g->valuestring));
		}
		d->password_group = idx;
		pw_item = g;
	}
	return 0;
}

static int
parse_device(struct rd *r, const cJSON *dev, size_t index,
    struct efl_inv_device *d)
{
	const cJSON *name, *address, *board;
	char what[120], shown_name[80], why[EFL_WHY_LEN];
	const char *problem;

	d->line = AT_VALUE(r, dev).line;
	d->password_group = -1;
	snprintf(what, sizeof(what), "device %zu", index + 1);
	if (!cJSON_IsObject(dev))
		return wrong_type(r, dev, what, "an object");
	if (get_string(r, dev, "name", what, &name) != 0)
		return -1;
	if (name == NULL)
		return fail_pos(r, AT_VALUE(r, dev), "%s has no \"name\"",
		    what);
	if ((problem = label_problem(name->valuestring)) != NULL)
		return fail_pos(r, AT_VALUE(r, name), "%s: \"name\" %s", what,
		    problem);
	d->name = xstrdup(name->valuestring);
	r->name_items[index] = name;
	snprintf(what, sizeof(what), "device '%s'",
	    shown(shown_name, d->name));
	if (check_keys(r, dev, device_keys, what, 1) != 0 ||
	    parse_transport(r, dev, what, &d->transport) != 0)
		return -1;
	d->port = efl_inv_transport_port(d->transport);
	if (parse_port(r, dev, what, &d->port) != 0 ||
	    get_string(r, dev, "address", what, &address) != 0 ||
	    get_string(r, dev, "board", what, &board) != 0)
		return -1;
	if (address == NULL)
		return fail_pos(r, AT_VALUE(r, dev), "%s has no \"address\" "
		    "(an IP address or a host name)", what);
	if (address_check(address->valuestring, d->port, why,
	    sizeof(why)) != 0)
		return fail_pos(r, AT_VALUE(r, address), "%s: \"address\": %s",
		    what, why);
	d->address = xstrdup(address->valuestring);
	if (board != NULL) {
		if ((problem = label_problem(board->valuestring)) != NULL)
			return fail_pos(r, AT_VALUE(r, board), "%s: \"board\" "
			    "%s", what, problem);
		d->board = xstrdup(board->valuestring);
	}
	return parse_device_groups(r, dev, what, d);
}

static int
cmp_by_name(const void *a, const void *b, void *arg)
{
	const struct efl_inv_device *devs = arg;
	const struct efl_inv_device *x = &devs[*(const size_t *)a];
	const struct efl_inv_device *y = &devs[*(const size_t *)b];
	int c = strcmp(x->name, y->name);

	/* equal names: in file order, so the second is reported */
	return c != 0 ? c : (x < y ? -1 : 1);
}

static int
cmp_by_endpoint(const void *a, const void *b, void *arg)
{
	const struct efl_inv_device *devs = arg;
	const struct efl_inv_device *x = &devs[*(const size_t *)a];
	const struct efl_inv_device *y = &devs[*(const size_t *)b];
	int c = strcmp(x->address, y->address);

	if (c == 0)
		c = (int)x->port - (int)y->port;
	return c != 0 ? c : (x < y ? -1 : 1);
}

/* No name twice, no address and port twice. */
static int
check_unique(struct rd *r)
{
	struct efl_inventory *inv = r->inv;
	size_t *order, i;
	char name[80], other[80];
	int rc = 0;

	if (inv->ndevices < 2)
		return 0;
	order = xcalloc(inv->ndevices, sizeof(*order));
	for (i = 0; i < inv->ndevices; i++)
		order[i] = i;
	qsort_r(order, inv->ndevices, sizeof(*order), cmp_by_name,
	    inv->devices);
	for (i = 1; i < inv->ndevices && rc == 0; i++) {
		const struct efl_inv_device *a = &inv->devices[order[i - 1]];

		if (strcmp(a->name, inv->devices[order[i]].name) == 0)
			rc = fail_pos(r, AT_VALUE(r, r->name_items[order[i]]),
			    "device name '%s' is already used on line %u",
			    shown(name, a->name), a->line);
	}
	qsort_r(order, inv->ndevices, sizeof(*order), cmp_by_endpoint,
	    inv->devices);
	for (i = 1; i < inv->ndevices && rc == 0; i++) {
		const struct efl_inv_device *a = &inv->devices[order[i - 1]];
		const struct efl_inv_device *b = &inv->devices[order[i]];

		if (strcmp(a->address, b->address) == 0 && a->port == b->port)
			rc = fail_pos(r, AT_VALUE(r, r->name_items[order[i]]),
			    "device '%s' has the address and port of device "
			    "'%s' (line %u)", shown(name, b->name),
			    shown(other, a->name), a->line);
	}
	free(order);
	return rc;
}

static int
parse_devices(struct rd *r, const cJSON *devices)
{
	struct efl_inventory *inv = r->inv;
	const cJSON *d;
	size_t n;

	if (!cJSON_IsArray(devices))
		return wrong_type(r, devices, "\"devices\"", "an array of "
		    "devices");
	n = (size_t)cJSON_GetArraySize(devices);
	if (n > EFL_INV_MAX_DEVICES)
		return fail_pos(r, AT_VALUE(r, devices), "more than %u devices",
		    EFL_INV_MAX_DEVICES);
	inv->devices = xcalloc(n + 1, sizeof(*inv->devices));
	r->name_items = xcalloc(n + 1, sizeof(*r->name_items));
	for (d = devices->child; d != NULL; d = d->next) {
		size_t i = inv->ndevices++;

		if (parse_device(r, d, i, &inv->devices[i]) != 0)
			return -1;
	}
	return check_unique(r);
}

static int
parse_root(struct rd *r, const cJSON *root)
{
	const cJSON *version, *groups, *devices;

	if (!cJSON_IsObject(root))
		return wrong_type(r, root, "the inventory", "an object with "
		    "\"devices\"");
	if (check_keys(r, root, top_keys, "the inventory", 0) != 0)
		return -1;
	version = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (version != NULL && (!cJSON_IsNumber(version) ||
	    version->valuedouble != 1))
		return fail_pos(r, AT_VALUE(r, version), "\"version\" must be "
		    "1 (the only version of the format)");
	groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	if (groups != NULL && parse_groups(r, groups) != 0)
		return -1;
	devices = cJSON_GetObjectItemCaseSensitive(root, "devices");
	if (devices == NULL)
		return fail_pos(r, AT_VALUE(r, root), "the inventory has no "
		    "\"devices\"");
	return parse_devices(r, devices);
}

int
efl_inventory_parse(struct efl_inventory *inv, const char *path,
    const char *text, size_t len, struct efl_errbuf *eb)
{
	struct rd r;
	cJSON *root;
	size_t off;
	char why[EFL_JSON_WHY_LEN];
	int rc;

	efl_inventory_init(inv);
	memset(&r, 0, sizeof(r));
	r.inv = inv;
	r.text = text;
	r.len = len;
	r.eb = eb;
	inv->path = xstrdup(path);
	efl_printable(r.path, sizeof(r.path), path, strlen(path));
	root = efl_json_parse(text, len, &off, why);
	if (root == NULL) {
		fail_pos(&r, efl_json_pos_at(text, len, off), "not JSON: %s",
		    why);
		efl_inventory_free(inv);
		return -1;
	}
	r.ix = efl_json_index_new(root, text, len);
	rc = parse_root(&r, root);
	efl_json_index_free(r.ix);
	free(r.name_items);
	cJSON_Delete(root);
	if (rc != 0)
		efl_inventory_free(inv);
	return rc;
}

int
efl_inventory_load(struct efl_inventory *inv, const char *path,
    struct efl_errbuf *eb)
{
	char shown_path[256], *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *fp;
	int rc;

	efl_inventory_init(inv);
	efl_printable(shown_path, sizeof(shown_path), path, strlen(path));
	if ((fp = fopen(path, "rb")) == NULL) {
		efl_errbuf_set(eb, "cannot read inventory '%s': %s",
		    shown_path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= INV_FILE_MAX) {
				fclose(fp);
				free(buf);
				efl_errbuf_set(eb, "inventory '%s' is larger "
				    "than %u MiB", shown_path,
				    INV_FILE_MAX >> 20);
				return -1;
			}
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		efl_errbuf_set(eb, "cannot read inventory '%s': %s",
		    shown_path, strerror(errno));
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	buf[len] = '\0';
	rc = efl_inventory_parse(inv, path, buf, len, eb);
	free(buf);
	return rc;
}

void
efl_inventory_init(struct efl_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
}

void
efl_inventory_free(struct efl_inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->ngroups; i++) {
		free(inv->groups[i].name);
		free(inv->groups[i].password_env);
		free(inv->groups[i].password_file);
		free(inv->groups[i].password_path);
	}
	for (i = 0; i < inv->ndevices; i++) {
		free(inv->devices[i].name);
		free(inv->devices[i].address);
		free(inv->devices[i].board);
		free(inv->devices[i].groups);
	}
	free(inv->groups);
	free(inv->devices);
	free(inv->path);
	memset(inv, 0, sizeof(*inv));
}

/* ---- built from code ---- */

int
efl_inventory_add_device(struct efl_inventory *inv, const char *name,
    const char *address, uint16_t port, enum efl_inv_transport transport,
    const char *board, struct efl_errbuf *eb)
{
	struct efl_inv_device *d;
	char shown_name[80], why[EFL_WHY_LEN];
	const char *problem;
	size_t i;

	if ((problem = label_problem(name)) != NULL) {
		efl_errbuf_set(eb, "device name '%s' %s", shown(shown_name,
		    name), problem);
		return -1;
	}
	if (port == 0 || address_check(address, port, why, sizeof(why)) !=
	    0) {
		efl_errbuf_set(eb, "device '%s': \"address\": %s",
		    shown(shown_name, name), port == 0 ? "port 0" : why);
		return -1;
	}
	if (board != NULL && (problem = label_problem(board)) != NULL) {
		efl_errbuf_set(eb, "device '%s': \"board\" %s",
		    shown(shown_name, name), problem);
		return -1;
	}
	for (i = 0; i < inv->ndevices; i++) {
		const struct efl_inv_device *o = &inv->devices[i];

		if (strcmp(o->name, name) == 0 ||
		    (strcmp(o->address, address) == 0 && o->port == port)) {
			efl_errbuf_set(eb, "device '%s': %s", shown(shown_name,
			    name), strcmp(o->name, name) == 0 ?
			    "name already used" : "address and port already "
			    "used by another device");
			return -1;
		}
	}
	inv->devices = xrealloc(inv->devices, (inv->ndevices + 1) *
	    sizeof(*inv->devices));
	d = &inv->devices[inv->ndevices++];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->address = xstrdup(address);
	d->port = port;
	d->transport = transport;
	d->board = board != NULL ? xstrdup(board) : NULL;
	d->password_group = -1;
	return 0;
}

/* A JSON string: the text was checked (no control characters). */
static void
put_string(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

int
efl_inventory_write(FILE *fp, const struct efl_inventory *inv)
{
	size_t i, k;

	fputs("{\n  \"version\": 1,\n", fp);
	if (inv->ngroups > 0) {
		fputs("  \"groups\": {\n", fp);
		for (i = 0; i < inv->ngroups; i++) {
			const struct efl_inv_group *g = &inv->groups[i];

			fputs("    ", fp);
			put_string(fp, g->name);
			fputs(": {", fp);
			if (g->password_env != NULL) {
				fputs("\"password_env\": ", fp);
				put_string(fp, g->password_env);
			} else if (g->password_file != NULL) {
				fputs("\"password_file\": ", fp);
				put_string(fp, g->password_file);
			}
			fprintf(fp, "}%s\n", i + 1 < inv->ngroups ? "," : "");
		}
		fputs("  },\n", fp);
	}
	fputs("  \"devices\": [", fp);
	for (i = 0; i < inv->ndevices; i++) {
		const struct efl_inv_device *d = &inv->devices[i];

		fputs(i > 0 ? ",\n    {\"name\": " : "\n    {\"name\": ", fp);
		put_string(fp, d->name);
		fputs(", \"address\": ", fp);
		put_string(fp, d->address);
		fprintf(fp, ", \"port\": %u, \"transport\": \"%s\"", d->port,
		    efl_inv_transport_name(d->transport));
		if (d->board != NULL) {
			fputs(", \"board\": ", fp);
			put_string(fp, d->board);
		}
		if (d->ngroups > 0) {
			fputs(", \"groups\": [", fp);
			for (k = 0; k < d->ngroups; k++) {
				if (k > 0)
					fputs(", ", fp);
				put_string(fp, inv->groups[d->groups[k]].name);
			}
			fputc(']', fp);
		}
		fputc('}', fp);
	}
	fputs(inv->ndevices > 0 ? "\n  ]\n}\n" : "]\n}\n", fp);
	return fflush(fp) != 0 || ferror(fp) ? -1 : 0;
}

/* ---- using it ---- */

long
efl_inventory_group(const struct efl_inventory *inv, const char *name)
{
	size_t i;

	for (i = 0; i < inv->ngroups; i++)
		if (strcmp(inv->groups[i].name, name) == 0)
			return (long)i;
	return -1;
}

long
efl_inventory_select(const struct efl_inventory *inv,
    const char *const *groups, size_t ngroups, unsigned char *selected,
    struct efl_errbuf *eb)
{
	unsigned char *want;
	size_t i, k;
	long idx, count = 0;

	want = xcalloc(inv->ngroups + 1, 1);
	for (k = 0; k < ngroups; k++) {
		if ((idx = efl_inventory_group(inv, groups[k])) < 0) {
			char name[80], list[200], path[160];
			size_t pos = 0;

			list[0] = '\0';
			for (i = 0; i < inv->ngroups && pos < sizeof(list);
			    i++)
				pos += (size_t)snprintf(list + pos,
				    sizeof(list) - pos, "%s%s", i ? ", " : "",
				    inv->groups[i].name);
			efl_printable(path, sizeof(path), inv->path != NULL ?
			    inv->path : "the inventory", inv->path != NULL ?
			    strlen(inv->path) : 13);
			efl_errbuf_set(eb, "--group '%s': no such group in %s "
			    "(%s%s)", shown(name, groups[k]), path,
			    inv->ngroups ? "groups: " : "it declares none",
			    list);
			free(want);
			return -1;
		}
		want[idx] = 1;
	}
	for (i = 0; i < inv->ndevices; i++) {
		const struct efl_inv_device *d = &inv->devices[i];

		selected[i] = ngroups == 0;
		for (k = 0; k < d->ngroups && !selected[i]; k++)
			selected[i] = want[d->groups[k]];
		count += selected[i];
	}
	free(want);
	return count;
}

long
efl_inventory_choose(const struct efl_inventory *inv,
    const char *const *groups, size_t ngroups,
    const struct efl_selection *sel, const struct efl_shard *shard,
    unsigned char *chosen, uint32_t *selected, struct efl_errbuf *eb)
{
	long count = 0;
	size_t i;

	*selected = 0;
	if (efl_inventory_select(inv, groups, ngroups, chosen, eb) < 0)
		return -1;
	for (i = 0; i < inv->ndevices; i++) {
		const struct efl_inv_device *d = &inv->devices[i];

		if (chosen[i] && sel != NULL &&
		    !efl_select_name_board(sel, d->name, d->board))
			chosen[i] = 0;
		*selected += chosen[i];
		if (chosen[i] && shard != NULL &&
		    !efl_shard_contains(shard, d->name))
			chosen[i] = 0;
		count += chosen[i];
	}
	return count;
}

int
efl_inventory_target(const struct efl_inv_device *d, struct efl_target *t,
    struct efl_errbuf *eb)
{
	if (efl_target_parse(t, d->address, d->port, eb) != 0)
		return -1;
	t->name = xstrdup(d->name);
	return 0;
}

int
efl_inventory_password(const struct efl_inventory *inv,
    const struct efl_inv_device *d, struct efl_secret *pw,
    struct efl_errbuf *eb)
{
	const struct efl_inv_group *g;
	char name[80], what[160];
	const char *v;

	efl_secret_wipe(pw);
	if (d->password_group < 0)
		return 0;
	g = &inv->groups[d->password_group];
	shown(name, g->name);
	if (g->password_file != NULL) {
		if (efl_secret_from_file(pw, g->password_path, eb) != 0) {
			char msg[sizeof(eb->msg)];

			snprintf(msg, sizeof(msg), "%s", eb->msg);
			efl_errbuf_set(eb, "group '%s': %s", name, msg);
			return -1;
		}
		return 0;
	}
	v = getenv(g->password_env);
	if (v == NULL || *v == '\0') {
		efl_errbuf_set(eb, "group '%s': environment variable %s (its "
		    "password) is %s", name, g->password_env, v == NULL ?
		    "not set" : "empty");
		return -1;
	}
	snprintf(what, sizeof(what), "group '%s': the password in %s", name,
	    g->password_env);
	return efl_secret_set(pw, v, g->password_env, what, eb);
}

void
efl_inventory_drop_env(const struct efl_inventory *inv)
{
	size_t i;

	for (i = 0; i < inv->ngroups; i++) {
		char *v;

		if (inv->groups[i].password_env == NULL)
			continue;
		if ((v = getenv(inv->groups[i].password_env)) != NULL)
			explicit_bzero(v, strlen(v));
		unsetenv(inv->groups[i].password_env);
	}
}
