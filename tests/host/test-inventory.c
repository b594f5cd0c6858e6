/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the inventory (src/fleet/inventory.c) and of the JSON
 * positions behind its messages (src/core/json-pos.c): every kind of
 * error gives its exact "FILE:LINE:COL: what" (bad JSON, unknown keys,
 * wrong types, duplicates, a password in the file, bad ports, transports,
 * addresses, names and groups), a password is never echoed, positions
 * count lines and UTF-8 characters right (BOM, CRLF); the good file's
 * defaults, selection by group (and by name, board and shard), targets,
 * passwords from the environment and from files, devices added from code,
 * and the writer's output read back unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "espfleet/inventory.h"
#include "espfleet/json-pos.h"
#include "espfleet/secret.h"
#include "espfleet/select.h"
#include "espfleet/shard.h"
#include "espfleet/target.h"

/* Parse text as the file "inv.json"; 0 or -1 with eb. */
static int
parse(struct efl_inventory *inv, const char *text, struct efl_errbuf *eb)
{
	memset(eb, 0, sizeof(*eb));
	return efl_inventory_parse(inv, "inv.json", text, strlen(text), eb);
}

/* text must be refused with exactly the message want. */
static void
refused(const char *text, const char *want)
{
	struct efl_inventory inv;
	struct efl_errbuf eb;

	if (parse(&inv, text, &eb) == 0)
		fail_msg("accepted: %s", text);
	if (strcmp(eb.msg, want) != 0)
		fail_msg("message\n  '%s'\nwanted\n  '%s'", eb.msg, want);
	/* refused files leave nothing behind */
	assert_int_equal(inv.ndevices, 0);
	assert_null(inv.devices);
}

/* One device object inside a minimal file: line 1 "{", line 2
 * "\"devices\": [", line 3 the device; columns count from 1. */
static char *
with_device(const char *device)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);

	fprintf(fp, "{\n\"devices\": [\n%s\n]}\n", device);
	fclose(fp);
	return s;
}

static void
device_refused(const char *device, const char *want)
{
	char *text = with_device(device);

	refused(text, want);
	free(text);
}

static const char good[] =
"{\n"
"  \"version\": 1,\n"
"  \"groups\": {\n"
"    \"kitchen\": {\"password_env\": \"KITCHEN_OTA_PW\"},\n"
"    \"lab\": {\"password_file\": \"secrets/lab.pw\"},\n"
"    \"site-a\": {}\n"
"  },\n"
"  \"devices\": [\n"
"    {\"name\": \"kitchen-1\", \"address\": \"192.0.2.10\",\n"
"     \"groups\": [\"kitchen\", \"site-a\"]},\n"
"    {\"name\": \"kitchen-2\", \"address\": \"kitchen-2.local\",\n"
"     \"port\": 3232, \"board\": \"esp32dev\", \"groups\": [\"kitchen\"]},\n"
"    {\"name\": \"lab-1\", \"address\": \"2001:db8::7\",\n"
"     \"transport\": \"http\", \"groups\": [\"lab\", \"site-a\"]},\n"
"    {\"name\": \"Küche 3\", \"address\": \"fe80::1%eth0\"}\n"
"  ]\n"
"}\n";

/* ---- the good file ---- */

static void
test_good_file(void **state)
{
	struct efl_inventory inv;
	struct efl_errbuf eb;
	const struct efl_inv_device *d;

	(void)state;
	if (efl_inventory_parse(&inv, "conf/fleet.json", good, strlen(good),
	    &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_int_equal(inv.ngroups, 3);
	assert_string_equal(inv.groups[0].name, "kitchen");
	assert_string_equal(inv.groups[0].password_env, "KITCHEN_OTA_PW");
	assert_null(inv.groups[0].password_file);
	assert_int_equal(inv.groups[0].line, 4);
	/* relative to the inventory's directory */
	assert_string_equal(inv.groups[1].password_file, "secrets/lab.pw");
	assert_string_equal(inv.groups[1].password_path,
	    "conf/secrets/lab.pw");
	assert_null(inv.groups[2].password_env);
	assert_null(inv.groups[2].password_file);

	assert_int_equal(inv.ndevices, 4);
	d = &inv.devices[0];
	assert_string_equal(d->name, "kitchen-1");
	assert_string_equal(d->address, "192.0.2.10");
	assert_int_equal(d->port, 8266);    /* espota's default */
	assert_int_equal(d->transport, EFL_INV_ESPOTA);
	assert_null(d->board);
	assert_int_equal(d->ngroups, 2);
	assert_int_equal(d->groups[0], 0);
	assert_int_equal(d->groups[1], 2);
	assert_int_equal(d->password_group, 0);
	assert_int_equal(d->line, 9);
	d = &inv.devices[1];
	assert_int_equal(d->port, 3232);
	assert_string_equal(d->board, "esp32dev");
	d = &inv.devices[2];
	assert_int_equal(d->transport, EFL_INV_HTTP);
	assert_int_equal(d->port, 80);      /* http's default */
	assert_int_equal(d->password_group, 1);
	d = &inv.devices[3];
	assert_string_equal(d->name, "Küche 3");
	assert_int_equal(d->ngroups, 0);
	assert_int_equal(d->password_group, -1);
	efl_inventory_free(&inv);
	assert_null(inv.devices);
}

static void
test_absolute_password_file_and_no_dir(void **state)
{
	static const char text[] = "{\"groups\": {\"a\": {\"password_file\": "
	    "\"/etc/ota.pw\"}, \"b\": {\"password_file\": \"b.pw\"}}, "
	    "\"devices\": []}";
	struct efl_inventory inv;
	struct efl_errbuf eb;

	(void)state;
	if (parse(&inv, text, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_string_equal(inv.groups[0].password_path, "/etc/ota.pw");
	/* "inv.json" has no directory: relative to the current one */
	assert_string_equal(inv.groups[1].password_path, "b.pw");
	assert_int_equal(inv.ndevices, 0);
	efl_inventory_free(&inv);
}

/* ---- bad JSON: the position and what is there ---- */

static void
test_bad_json(void **state)
{
	(void)state;
	refused("{\n  \"devices\": [],\n}\n",
	    "inv.json:3:1: not JSON: a ',' before '}' (JSON has no trailing "
	    "commas)");
	refused("{\"devices\": [1, 2,]}",
	    "inv.json:1:19: not JSON: a ',' before ']' (JSON has no trailing "
	    "commas)");
	refused("{\n  devices: []\n}",
	    "inv.json:2:3: not JSON: expected a key in double quotes, found "
	    "'d'");
	refused("{\"devices\" []}",
	    "inv.json:1:12: not JSON: expected ':' after the key, found '['");
	refused("{\"devices\": [] \"groups\": {}}",
	    "inv.json:1:16: not JSON: expected ',' or '}' after a member, "
	    "found '\"'");
	refused("{\"devices\": [\n",
	    "inv.json:2:1: not JSON: expected a value, found the end of the "
	    "text");
	refused("{\"devices\": [{\"name\": \"a\n",
	    "inv.json:1:23: not JSON: a string that is not closed starts "
	    "here");
	refused("{\"devices\": [tru]}",
	    "inv.json:1:14: not JSON: expected a value (string, number, "
	    "object, array, true, false or null), found 't'");
	refused("{\"devices\": []} x",
	    "inv.json:1:17: not JSON: 'x' after the end of the JSON value");
	refused("{\"devices\": [\"\\q\"]}",
	    "inv.json:1:15: not JSON: an invalid escape in a string (\\\" \\\\ "
	    "\\/ \\b \\f \\n \\r \\t \\uXXXX)");
	refused("{\"devices\": [\"\\udc00\"]}",
	    "inv.json:1:15: not JSON: a \\u escape holds half of a UTF-16 "
	    "pair only");
	refused("",
	    "inv.json:1:1: not JSON: expected a value, found the end of the "
	    "text");
	/* columns count characters, not bytes */
	refused("{\"groups\": {\"Küche\" {}}}",
	    "inv.json:1:21: not JSON: expected ':' after the key, found '{'");
}

static void
test_bad_json_nul_byte(void **state)
{
	static const char text[] = "{\"devices\": []}\0{}";
	struct efl_inventory inv;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(efl_inventory_parse(&inv, "inv.json", text,
	    sizeof(text) - 1, &eb), -1);
	assert_string_equal(eb.msg, "inv.json:1:16: not JSON: a NUL byte "
	    "(binary data, not a JSON text)");
}

/* A byte-order mark and CRLF line ends: lines and columns still right. */
static void
test_positions_bom_crlf(void **state)
{
	(void)state;
	refused("\xef\xbb\xbf{\r\n\"devices\": [\r\n  {\"name\": 5}\r\n]}",
	    "inv.json:3:12: device 1: \"name\" must be a string, not a number");
}

/* json-pos on its own: every value and key of a tree. */
static void
test_json_index(void **state)
{
	static const char text[] = "{\"a\": [1, {\"b\": true}],\n  \"c\": "
	    "\"x\\u0000y\", \"d\": null}";
	struct efl_json_index *ix;
	struct efl_json_pos p;
	char why[EFL_JSON_WHY_LEN];
	size_t off;
	cJSON *root, *a, *b, *c;

	(void)state;
	root = efl_json_parse(text, strlen(text), &off, why);
	assert_non_null(root);
	ix = efl_json_index_new(root, text, strlen(text));
	a = cJSON_GetObjectItem(root, "a");
	b = cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "b");
	c = cJSON_GetObjectItem(root, "c");
	p = efl_json_key_pos(ix, a);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.col, 2);
	p = efl_json_value_pos(ix, a);
	assert_int_equal(p.col, 7);
	p = efl_json_value_pos(ix, cJSON_GetArrayItem(a, 0));
	assert_int_equal(p.col, 8);
	/* an array element has no key: its value */
	p = efl_json_key_pos(ix, cJSON_GetArrayItem(a, 0));
	assert_int_equal(p.col, 8);
	p = efl_json_key_pos(ix, b);
	assert_int_equal(p.col, 12);
	p = efl_json_value_pos(ix, b);
	assert_int_equal(p.col, 17);
	p = efl_json_key_pos(ix, c);
	assert_int_equal(p.line, 2);
	assert_int_equal(p.col, 3);
	assert_true(efl_json_string_has_nul(ix, c));
	assert_false(efl_json_string_has_nul(ix, b));
	p = efl_json_value_pos(ix, cJSON_GetObjectItem(root, "d"));
	assert_int_equal(p.line, 2);
	assert_int_equal(p.col, 25);
	p = efl_json_value_pos(ix, root);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.col, 1);
	efl_json_index_free(ix);
	/* an item of another tree: unknown */
	ix = efl_json_index_new(root, "[]", 2);
	p = efl_json_value_pos(ix, a);
	assert_int_equal(p.line, 0);
	efl_json_index_free(ix);
	cJSON_Delete(root);
}

/* ---- the structure ---- */

static void
test_top_level(void **state)
{
	(void)state;
	refused("[]", "inv.json:1:1: the inventory must be an object with "
	    "\"devices\", not an array");
	refused("{}", "inv.json:1:1: the inventory has no \"devices\"");
	refused("{\n \"devices\": [], \"device\": 1}",
	    "inv.json:2:17: the inventory: unknown key 'device' (known: "
	    "version, groups, devices)");
	refused("{\"devices\": {}}", "inv.json:1:13: \"devices\" must be an "
	    "array of devices, not an object");
	refused("{\"version\": 2, \"devices\": []}", "inv.json:1:13: "
	    "\"version\" must be 1 (the only version of the format)");
	refused("{\"devices\": [], \"devices\": []}", "inv.json:1:17: the "
	    "inventory: key 'devices' given twice (first on line 1)");
	refused("{\"groups\": [], \"devices\": []}", "inv.json:1:12: "
	    "\"groups\" must be an object of groups by name, not an array");
}

static void
test_unknown_keys(void **state)
{
	(void)state;
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"prot\": 1}", "inv.json:3:39: device 'a': unknown key 'prot' "
	    "(known: name, address, port, transport, board, groups)");
	refused("{\"groups\": {\"g\": {\"colour\": \"red\"}}, \"devices\": []}",
	    "inv.json:1:19: group 'g': unknown key 'colour' (known: "
	    "password_env, password_file)");
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"password_env\": \"X\"}", "inv.json:3:39: device 'a': "
	    "\"password_env\" belongs to a group: put the device in a group "
	    "that says where its password comes from");
	device_refused("{\"name\": \"a\", \"name\": \"b\", \"address\": "
	    "\"192.0.2.1\"}", "inv.json:3:15: device 'a': key 'name' given "
	    "twice (first on line 3)");
}

static void
test_wrong_types(void **state)
{
	(void)state;
	device_refused("\"kitchen\"", "inv.json:3:1: device 1 must be an "
	    "object, not a string");
	device_refused("{\"name\": 5, \"address\": \"192.0.2.1\"}",
	    "inv.json:3:10: device 1: \"name\" must be a string, not a number");
	device_refused("{\"name\": \"a\", \"address\": [\"192.0.2.1\"]}",
	    "inv.json:3:26: device 'a': \"address\" must be a string, not an "
	    "array");
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"port\": \"8266\"}", "inv.json:3:47: device 'a': \"port\" must be a "
	    "number, not a string");
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"groups\": \"g\"}", "inv.json:3:49: device 'a': \"groups\" must "
	    "be an array of group names, not a string");
	refused("{\"groups\": {\"g\": {}}, \"devices\": [{\"name\": \"a\", "
	    "\"address\": \"192.0.2.1\", \"groups\": [null]}]}",
	    "inv.json:1:84: device 'a': \"groups\" must be an array of group "
	    "names, not null");
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"board\": true}", "inv.json:3:48: device 'a': \"board\" must "
	    "be a string, not a boolean");
	refused("{\"groups\": {\"g\": 1}, \"devices\": []}",
	    "inv.json:1:18: group 'g' must be an object, not a number");
	refused("{\"groups\": {\"g\": {\"password_env\": 7}}, \"devices\": []}",
	    "inv.json:1:35: group 'g': \"password_env\" must be a string, not "
	    "a number");
}

static void
test_missing_fields(void **state)
{
	(void)state;
	device_refused("{\"address\": \"192.0.2.1\"}",
	    "inv.json:3:1: device 1 has no \"name\"");
	device_refused("{\"name\": \"a\"}",
	    "inv.json:3:1: device 'a' has no \"address\" (an IP address or a "
	    "host name)");
}

static void
test_duplicates(void **state)
{
	(void)state;
	refused("{\"devices\": [\n"
	    "{\"name\": \"a\", \"address\": \"192.0.2.1\"},\n"
	    "{\"name\": \"b\", \"address\": \"192.0.2.2\"},\n"
	    "{\"name\": \"a\", \"address\": \"192.0.2.3\"}]}",
	    "inv.json:4:10: device name 'a' is already used on line 2");
	refused("{\"devices\": [\n"
	    "{\"name\": \"a\", \"address\": \"192.0.2.1\"},\n"
	    "{\"name\": \"b\", \"address\": \"192.0.2.1\", \"port\": 8266}]}",
	    "inv.json:3:10: device 'b' has the address and port of device "
	    "'a' (line 2)");
	/* the same address on another port is another device */
	{
		struct efl_inventory inv;
		struct efl_errbuf eb;

		if (parse(&inv, "{\"devices\": [{\"name\": \"a\", \"address\": "
		    "\"192.0.2.1\"}, {\"name\": \"b\", \"address\": "
		    "\"192.0.2.1\", \"transport\": \"http\"}]}", &eb) != 0)
			fail_msg("%s", eb.msg);
		efl_inventory_free(&inv);
	}
	refused("{\"groups\": {\"g\": {},\n \"g\": {}}, \"devices\": []}",
	    "inv.json:2:2: group 'g' declared twice (first on line 1)");
}

/* A password in the file itself is refused, and never echoed. */
static void
test_password_refused(void **state)
{
	static const char *const texts[] = {
		"{\"groups\": {\"g\": {\"password\": \"hunter2\"}}, "
		"\"devices\": []}",
		"{\"groups\": {\"g\": {\"OTA_Password\": \"hunter2\"}}, "
		"\"devices\": []}",
		"{\"devices\": [{\"name\": \"a\", \"address\": \"192.0.2.1\", "
		"\"pass\": \"hunter2\"}]}",
		"{\"ota_secret\": \"hunter2\", \"devices\": []}",
		"{\"groups\": {\"g\": {\"auth\": \"hunter2\"}}, "
		"\"devices\": []}",
	};
	struct efl_inventory inv;
	struct efl_errbuf eb;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(parse(&inv, texts[i], &eb), -1);
		if (strstr(eb.msg, "a password does not belong in the "
		    "inventory") == NULL)
			fail_msg("%s: %s", texts[i], eb.msg);
		assert_null(strstr(eb.msg, "hunter2"));
	}
	refused("{\"groups\": {\"g\": {\"password\": \"x\"}}, \"devices\": "
	    "[]}", "inv.json:1:19: group 'g': 'password': a password does "
	    "not belong in the inventory (whoever reads the file has it); a "
	    "group names where it comes from with \"password_env\" (an "
	    "environment variable) or \"password_file\"");
	/* a password where the variable's name goes: refused, not shown */
	assert_int_equal(parse(&inv, "{\"groups\": {\"g\": {\"password_env\": "
	    "\"hunter2!\"}}, \"devices\": []}", &eb), -1);
	assert_string_equal(eb.msg, "inv.json:1:35: group 'g': "
	    "\"password_env\" must be the name of an environment variable "
	    "(letters, digits and '_', not starting with a digit), not the "
	    "password");
	assert_int_equal(parse(&inv, "{\"groups\": {\"g\": {\"password_env\": "
	    "\"9LIVES\"}}, \"devices\": []}", &eb), -1);
	assert_null(strstr(eb.msg, "9LIVES"));
	refused("{\"groups\": {\"g\": {\"password_env\": \"A\", "
	    "\"password_file\": \"f\"}}, \"devices\": []}",
	    "inv.json:1:40: group 'g': \"password_env\" and \"password_file\" "
	    "exclude each other");
	refused("{\"groups\": {\"g\": {\"password_file\": \"\"}}, \"devices\": "
	    "[]}", "inv.json:1:36: group 'g': \"password_file\" must be a "
	    "file name (at most 4096 bytes of printable UTF-8)");
}

static void
test_bad_port(void **state)
{
	static const char *const ports[] = { "0", "65536", "80.5", "-1",
		"1e400" };
	char dev[160], want[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		snprintf(dev, sizeof(dev), "{\"name\": \"a\", \"address\": "
		    "\"192.0.2.1\", \"port\": %s}", ports[i]);
		snprintf(want, sizeof(want), "inv.json:3:47: device 'a': "
		    "\"port\" must be a whole number from 1 to 65535");
		device_refused(dev, want);
	}
}

static void
test_bad_transport(void **state)
{
	(void)state;
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"transport\": \"ESPOTA\"}", "inv.json:3:52: device 'a': "
	    "unknown transport 'ESPOTA' (espota or http)");
}

static void
test_bad_address(void **state)
{
	(void)state;
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1:8266\"}",
	    "inv.json:3:26: device 'a': \"address\": holds a port: it goes in "
	    "\"port\"");
	device_refused("{\"name\": \"a\", \"address\": \"[2001:db8::1]\"}",
	    "inv.json:3:26: device 'a': \"address\": no brackets: an IPv6 "
	    "address is written as it is, its port goes in \"port\"");
	device_refused("{\"name\": \"a\", \"address\": \"1.2.3\"}",
	    "inv.json:3:26: device 'a': \"address\": target '1.2.3': not an "
	    "IPv4 address (four numbers 0-255: a.b.c.d)");
	device_refused("{\"name\": \"a\", \"address\": \"\"}",
	    "inv.json:3:26: device 'a': \"address\": empty target");
	device_refused("{\"name\": \"a\", \"address\": \"a b\"}",
	    "inv.json:3:26: device 'a': \"address\": target 'a b': bad host");
}

static void
test_bad_names(void **state)
{
	(void)state;
	device_refused("{\"name\": \"\", \"address\": \"192.0.2.1\"}",
	    "inv.json:3:10: device 1: \"name\" is empty");
	device_refused("{\"name\": \"0123456789012345678901234567890123456789"
	    "0123456789012345678901234\", \"address\": \"192.0.2.1\"}",
	    "inv.json:3:10: device 1: \"name\" is longer than 63 bytes");
	device_refused("{\"name\": \"a\\u0007b\", \"address\": \"192.0.2.1\"}",
	    "inv.json:3:10: device 1: \"name\" holds control characters, "
	    "invalid UTF-8 or '\\'");
	device_refused("{\"name\": \"a\xff\", \"address\": \"192.0.2.1\"}",
	    "inv.json:3:10: device 1: \"name\" holds control characters, "
	    "invalid UTF-8 or '\\'");
	device_refused("{\"name\": \"a\\u0000b\", \"address\": \"192.0.2.1\"}",
	    "inv.json:3:10: device 1: \"name\" holds \\u0000 or a \\u escape "
	    "that is not 4 hex digits");
	/* cJSON reads a \u escape with a digit that is not hex as U+0000 */
	device_refused("{\"name\": \"a\\u00zzb\", \"address\": \"192.0.2.1\"}",
	    "inv.json:3:10: device 1: \"name\" holds \\u0000 or a \\u escape "
	    "that is not 4 hex digits");
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"board\": \"\"}", "inv.json:3:48: device 'a': \"board\" is "
	    "empty");
}

static void
test_bad_groups(void **state)
{
	(void)state;
	refused("{\"groups\": {\"-g\": {}}, \"devices\": []}",
	    "inv.json:1:13: group name '-g' is not letters, digits, '.', '_' "
	    "and '-' (starting with a letter or digit)");
	refused("{\"groups\": {\"a b\": {}}, \"devices\": []}",
	    "inv.json:1:13: group name 'a b' is not letters, digits, '.', '_' "
	    "and '-' (starting with a letter or digit)");
	device_refused("{\"name\": \"a\", \"address\": \"192.0.2.1\", "
	    "\"groups\": [\"nope\"]}", "inv.json:3:50: device 'a': group "
	    "'nope' is not declared in \"groups\"");
	refused("{\"groups\": {\"g\": {}}, \"devices\": [{\"name\": \"a\", "
	    "\"address\": \"192.0.2.1\", \"groups\": [\"g\", \"g\"]}]}",
	    "inv.json:1:89: device 'a': group 'g' listed twice");
	refused("{\"groups\": {\"x\": {\"password_env\": \"X\"}, \"y\": "
	    "{\"password_file\": \"y.pw\"}}, \"devices\": [{\"name\": \"a\", "
	    "\"address\": \"192.0.2.1\", \"groups\": [\"x\", \"y\"]}]}",
	    "inv.json:1:140: device 'a': groups 'x' and 'y' both say where "
	    "the password comes from; a device takes it from one group only");
}

static void
test_load_missing_file(void **state)
{
	struct efl_inventory inv;
	struct efl_errbuf eb;

	(void)state;
	assert_int_equal(efl_inventory_load(&inv, "/nonexistent/inv.json",
	    &eb), -1);
	assert_string_equal(eb.msg, "cannot read inventory "
	    "'/nonexistent/inv.json': No such file or directory");
}

static void
test_load_file(void **state)
{
	char path[] = "/tmp/efl-inv-XXXXXX";
	struct efl_inventory inv;
	struct efl_errbuf eb;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	if (efl_inventory_load(&inv, path, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_int_equal(inv.ndevices, 4);
	assert_string_equal(inv.path, path);
	assert_string_equal(inv.groups[1].password_path,
	    "/tmp/secrets/lab.pw");
	efl_inventory_free(&inv);
	unlink(path);
}

/* ---- using it ---- */

static void
test_select(void **state)
{
	struct efl_inventory inv;
	struct efl_errbuf eb;
	unsigned char sel[4];
	const char *g1[] = { "kitchen" }, *g2[] = { "lab", "site-a" };
	const char *bad[] = { "site-a", "site-b" };

	(void)state;
	assert_int_equal(efl_inventory_parse(&inv, "fleet.json", good,
	    strlen(good), &eb), 0);
	assert_int_equal(efl_inventory_select(&inv, NULL, 0, sel, &eb), 4);
	assert_int_equal(efl_inventory_select(&inv, g1, 1, sel, &eb), 2);
	assert_true(sel[0] && sel[1] && !sel[2] && !sel[3]);
	/* any of them */
	assert_int_equal(efl_inventory_select(&inv, g2, 2, sel, &eb), 2);
	assert_true(sel[0] && !sel[1] && sel[2] && !sel[3]);
	assert_int_equal(efl_inventory_select(&inv, bad, 2, sel, &eb), -1);
	assert_string_equal(eb.msg, "--group 'site-b': no such group in "
	    "fleet.json (groups: kitchen, lab, site-a)");
	assert_int_equal(efl_inventory_group(&inv, "lab"), 1);
	assert_int_equal(efl_inventory_group(&inv, "Lab"), -1);
	efl_inventory_free(&inv);
}

/* Groups, then --match and --board on names and inventory boards, then
 * the shard: the count before the shard decides "no target". */
static void
test_choose(void **state)
{
	static const char *const pats[] = { "kitchen-*" };
	const char *g[] = { "kitchen" }, *bad[] = { "nope" };
	struct efl_inventory inv;
	struct efl_selection sel;
	struct efl_errbuf eb;
	struct efl_shard sh;
	unsigned char c[4];
	uint32_t selected, k, total = 0;
	long n;

	(void)state;
	assert_int_equal(parse(&inv, good, &eb), 0);
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(efl_inventory_choose(&inv, NULL, 0, NULL, NULL, c,
	    &selected, &eb), 4);
	assert_int_equal(selected, 4);
	sel.match = pats;
	sel.nmatch = 1;
	assert_int_equal(efl_inventory_choose(&inv, NULL, 0, &sel, NULL, c,
	    &selected, &eb), 2);
	assert_true(c[0] && c[1] && !c[2] && !c[3]);
	sel.board = "ESP32DEV";
	assert_int_equal(efl_inventory_choose(&inv, g, 1, &sel, NULL, c,
	    &selected, &eb), 1);
	assert_true(!c[0] && c[1]);
	/* a board the inventory does not give is no match */
	sel.match = NULL;
	sel.nmatch = 0;
	sel.board = "d1_mini";
	assert_int_equal(efl_inventory_choose(&inv, NULL, 0, &sel, NULL, c,
	    &selected, &eb), 0);
	assert_int_equal(selected, 0);
	assert_int_equal(efl_inventory_choose(&inv, bad, 1, NULL, NULL, c,
	    &selected, &eb), -1);
	assert_string_equal(eb.msg, "--group 'nope': no such group in inv.json "
	    "(groups: kitchen, lab, site-a)");
	/* the shards of the whole file: disjoint, together all four, each
	 * by the device name's rule */
	for (k = 1; k <= 3; k++) {
		uint32_t i;

		sh.k = k;
		sh.n = 3;
		n = efl_inventory_choose(&inv, NULL, 0, NULL, &sh, c,
		    &selected, &eb);
		assert_int_equal(selected, 4);
		for (i = 0; i < 4; i++)
			assert_int_equal(c[i], efl_shard_of(
			    inv.devices[i].name, 3) == k);
		total += (uint32_t)n;
	}
	assert_int_equal(total, 4);
	efl_inventory_free(&inv);
}

static void
test_target(void **state)
{
	struct efl_inventory inv;
	struct efl_errbuf eb;
	struct efl_target t;

	(void)state;
	assert_int_equal(parse(&inv, good, &eb), 0);
	assert_int_equal(efl_inventory_target(&inv.devices[1], &t, &eb), 0);
	assert_string_equal(t.host, "kitchen-2.local");
	assert_int_equal(t.port, 3232);
	assert_string_equal(t.name, "kitchen-2");
	efl_target_free(&t);
	assert_int_equal(efl_inventory_target(&inv.devices[2], &t, &eb), 0);
	assert_string_equal(t.host, "2001:db8::7");
	assert_int_equal(t.port, 80);
	assert_int_equal(efl_target_numeric(&t), 1);
	efl_target_free(&t);
	efl_inventory_free(&inv);
}

static void
test_passwords(void **state)
{
	char dir[] = "/tmp/efl-inv-dir-XXXXXX", path[64], pwpath[80];
	struct efl_inventory inv;
	struct efl_errbuf eb;
	struct efl_secret pw;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fleet.json", dir);
	snprintf(pwpath, sizeof(pwpath), "%s/secrets", dir);
	assert_int_equal(mkdir(pwpath, 0700), 0);
	snprintf(pwpath, sizeof(pwpath), "%s/secrets/lab.pw", dir);
	fp = fopen(pwpath, "w");
	fputs("lab-secret\n", fp);
	fclose(fp);
	assert_int_equal(efl_inventory_parse(&inv, path, good, strlen(good),
	    &eb), 0);
	memset(&pw, 0, sizeof(pw));

	unsetenv("KITCHEN_OTA_PW");
	assert_int_equal(efl_inventory_password(&inv, &inv.devices[0], &pw,
	    &eb), -1);
	assert_string_equal(eb.msg, "group 'kitchen': environment variable "
	    "KITCHEN_OTA_PW (its password) is not set");
	setenv("KITCHEN_OTA_PW", "", 1);
	assert_int_equal(efl_inventory_password(&inv, &inv.devices[0], &pw,
	    &eb), -1);
	assert_string_equal(eb.msg, "group 'kitchen': environment variable "
	    "KITCHEN_OTA_PW (its password) is empty");
	setenv("KITCHEN_OTA_PW", "k-secret", 1);
	assert_int_equal(efl_inventory_password(&inv, &inv.devices[0], &pw,
	    &eb), 0);
	assert_true(pw.present);
	assert_string_equal(pw.value, "k-secret");
	assert_string_equal(pw.source, "KITCHEN_OTA_PW");
	/* the file, relative to the inventory */
	assert_int_equal(efl_inventory_password(&inv, &inv.devices[2], &pw,
	    &eb), 0);
	assert_string_equal(pw.value, "lab-secret");
	/* no group with a password: none */
	assert_int_equal(efl_inventory_password(&inv, &inv.devices[3], &pw,
	    &eb), 0);
	assert_false(pw.present);
	efl_inventory_drop_env(&inv);
	assert_null(getenv("KITCHEN_OTA_PW"));
	unlink(pwpath);
	assert_int_equal(efl_inventory_password(&inv, &inv.devices[2], &pw,
	    &eb), -1);
	assert_non_null(strstr(eb.msg, "group 'lab': cannot read password "
	    "file"));
	efl_secret_wipe(&pw);
	efl_inventory_free(&inv);
	snprintf(pwpath, sizeof(pwpath), "%s/secrets", dir);
	rmdir(pwpath);
	rmdir(dir);
}

/* ---- built from code, written, read back ---- */

static void
test_add_device(void **state)
{
	struct efl_inventory inv;
	struct efl_errbuf eb;

	(void)state;
	efl_inventory_init(&inv);
	assert_int_equal(efl_inventory_add_device(&inv, "a", "192.0.2.1",
	    8266, EFL_INV_ESPOTA, "d1_mini", &eb), 0);
	assert_int_equal(efl_inventory_add_device(&inv, "a", "192.0.2.2",
	    8266, EFL_INV_ESPOTA, NULL, &eb), -1);
	assert_string_equal(eb.msg, "device 'a': name already used");
	assert_int_equal(efl_inventory_add_device(&inv, "b", "192.0.2.1",
	    8266, EFL_INV_ESPOTA, NULL, &eb), -1);
	assert_string_equal(eb.msg, "device 'b': address and port already "
	    "used by another device");
	assert_int_equal(efl_inventory_add_device(&inv, "c\x1b[2J",
	    "192.0.2.3", 8266, EFL_INV_ESPOTA, NULL, &eb), -1);
	assert_string_equal(eb.msg, "device name 'c\\x1b[2J' holds control "
	    "characters, invalid UTF-8 or '\\'");
	assert_int_equal(efl_inventory_add_device(&inv, "d", "1.2.3", 8266,
	    EFL_INV_ESPOTA, NULL, &eb), -1);
	assert_int_equal(efl_inventory_add_device(&inv, "e", "192.0.2.5", 0,
	    EFL_INV_ESPOTA, NULL, &eb), -1);
	assert_int_equal(inv.ndevices, 1);
	efl_inventory_free(&inv);
}

static char *
write_text(const struct efl_inventory *inv)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	assert_int_equal(efl_inventory_write(fp, inv), 0);
	fclose(fp);
	return buf;
}

static void
test_write_read_back(void **state)
{
	struct efl_inventory a, b;
	struct efl_errbuf eb;
	char *text, *again;
	size_t i, k;

	(void)state;
	assert_int_equal(parse(&a, good, &eb), 0);
	text = write_text(&a);
	if (parse(&b, text, &eb) != 0)
		fail_msg("%s\n%s", eb.msg, text);
	assert_int_equal(a.ndevices, b.ndevices);
	assert_int_equal(a.ngroups, b.ngroups);
	for (i = 0; i < a.ngroups; i++) {
		assert_string_equal(a.groups[i].name, b.groups[i].name);
		assert_true((a.groups[i].password_env == NULL) ==
		    (b.groups[i].password_env == NULL));
	}
	for (i = 0; i < a.ndevices; i++) {
		const struct efl_inv_device *x = &a.devices[i];
		const struct efl_inv_device *y = &b.devices[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->address, y->address);
		assert_int_equal(x->port, y->port);
		assert_int_equal(x->transport, y->transport);
		assert_true((x->board == NULL) == (y->board == NULL));
		assert_int_equal(x->ngroups, y->ngroups);
		for (k = 0; k < x->ngroups; k++)
			assert_int_equal(x->groups[k], y->groups[k]);
		assert_int_equal(x->password_group, y->password_group);
	}
	/* a fixed point */
	again = write_text(&b);
	assert_string_equal(text, again);
	free(text);
	free(again);
	efl_inventory_free(&a);
	efl_inventory_free(&b);
}

/* What discover --inventory-out writes, quotes and all, reads back. */
static void
test_write_built(void **state)
{
	struct efl_inventory a, b;
	struct efl_errbuf eb;
	char *text, *again;

	(void)state;
	efl_inventory_init(&a);
	text = write_text(&a);
	assert_string_equal(text, "{\n  \"version\": 1,\n  \"devices\": []\n}"
	    "\n");
	free(text);
	assert_int_equal(efl_inventory_add_device(&a, "say \"hi\"",
	    "hall.local", 3232, EFL_INV_ESPOTA, "esp32", &eb), 0);
	assert_int_equal(efl_inventory_add_device(&a, "Küche", "192.0.2.9",
	    80, EFL_INV_HTTP, NULL, &eb), 0);
	text = write_text(&a);
	assert_string_equal(text, "{\n  \"version\": 1,\n  \"devices\": [\n"
	    "    {\"name\": \"say \\\"hi\\\"\", \"address\": "
	    "\"hall.local\", \"port\": 3232, \"transport\": \"espota\", "
	    "\"board\": \"esp32\"},\n"
	    "    {\"name\": \"Küche\", \"address\": \"192.0.2.9\", "
	    "\"port\": 80, \"transport\": \"http\"}\n  ]\n}\n");
	if (parse(&b, text, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_string_equal(b.devices[0].name, "say \"hi\"");
	/* read back unchanged: written again, the same bytes */
	again = write_text(&b);
	assert_string_equal(text, again);
	free(again);
	free(text);
	efl_inventory_free(&b);
	/* what mDNS gives: a link-local address with its zone, IPv6 */
	assert_int_equal(efl_inventory_add_device(&a, "ll", "fe80::1%eth0",
	    8266, EFL_INV_ESPOTA, "d1_mini", &eb), 0);
	assert_int_equal(efl_inventory_add_device(&a, "v6", "2001:db8::5",
	    8266, EFL_INV_ESPOTA, NULL, &eb), 0);
	text = write_text(&a);
	if (parse(&b, text, &eb) != 0)
		fail_msg("%s", eb.msg);
	assert_int_equal(b.ndevices, 4);
	assert_string_equal(b.devices[2].address, "fe80::1%eth0");
	again = write_text(&b);
	assert_string_equal(text, again);
	free(again);
	free(text);
	efl_inventory_free(&a);
	efl_inventory_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_absolute_password_file_and_no_dir),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_bad_json_nul_byte),
		cmocka_unit_test(test_positions_bom_crlf),
		cmocka_unit_test(test_json_index),
		cmocka_unit_test(test_top_level),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_password_refused),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_bad_transport),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_bad_groups),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_add_device),
		cmocka_unit_test(test_write_read_back),
		cmocka_unit_test(test_write_built),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
