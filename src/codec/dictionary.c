/*
 * dictionary.c: the dictionary text format (vl2.md §4.1).
 */
#include "codec/dictionary.h"

#include <string.h>

#include "util/hex.h"

void zt__dict_init(zt_dict *d, const void *data, size_t len)
{
    const uint8_t *nul = len > 0 ? memchr(data, 0, len) : NULL;

    d->data = data;
    d->len = nul != NULL ? (size_t)(nul - (const uint8_t *)data) : len;
}

static bool is_eol(uint8_t c)
{
    return c == '\n' || c == '\r';
}

bool zt__dict_next(const zt_dict *d, size_t *pos, zt_dict_entry *e)
{
    size_t i = *pos;

    while (i < d->len) {
        size_t start = i, eq = SIZE_MAX;

        while (i < d->len && !is_eol(d->data[i])) {
            if (d->data[i] == '=' && eq == SIZE_MAX)
                eq = i;
            i++;
        }
        /* |i| is at the separator or the end; the next line starts after it. */
        if (eq != SIZE_MAX) {
            e->key = d->data + start;
            e->key_len = eq - start;
            e->val = d->data + eq + 1;
            e->val_len = i - eq - 1;
            *pos = i < d->len ? i + 1 : i;
            return true;
        }
        if (i < d->len)
            i++;
    }
    *pos = i;
    return false;
}

int zt__dict_find(const zt_dict *d, const char *key, zt_dict_entry *e)
{
    size_t klen = strlen(key), pos = 0;
    zt_dict_entry it;

    if (klen == 0)
        return ZT_ERR_NOTFOUND;
    while (zt__dict_next(d, &pos, &it)) {
        if (it.key_len == klen && memcmp(it.key, key, klen) == 0) {
            *e = it;
            return 0;
        }
    }
    return ZT_ERR_NOTFOUND;
}

bool zt__dict_has(const zt_dict *d, const char *key)
{
    zt_dict_entry e;
    return zt__dict_find(d, key, &e) == 0;
}

static uint8_t unescape_byte(uint8_t c)
{
    switch (c) {
    case 'r':
        return '\r';
    case 'n':
        return '\n';
    case '0':
        return 0;
    case 'e':
        return '=';
    default:
        return c;
    }
}

size_t zt__dict_unescaped_len(const uint8_t *val, size_t val_len)
{
    size_t n = 0;

    for (size_t i = 0; i < val_len; i++) {
        if (val[i] == '\\') {
            if (++i >= val_len)
                break; /* a lone trailing backslash yields nothing */
        }
        n++;
    }
    return n;
}

zt_ssize zt__dict_unescape(const uint8_t *val, size_t val_len, uint8_t *out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < val_len; i++) {
        uint8_t c = val[i];
        if (c == '\\') {
            if (++i >= val_len)
                break;
            c = unescape_byte(val[i]);
        }
        if (n >= cap)
            return ZT_ERR_NOSPACE;
        out[n++] = c;
    }
    return (zt_ssize)n;
}

zt_ssize zt__dict_get(const zt_dict *d, const char *key, void *out, size_t cap)
{
    zt_dict_entry e;
    int rv = zt__dict_find(d, key, &e);

    if (rv != 0)
        return rv;
    return zt__dict_unescape(e.val, e.val_len, out, cap);
}

/* The first |cap| unescaped bytes of |key|'s value (a C-string reading: stops at a NUL).
 * Returns the length, or -1 when the key is missing. */
static zt_ssize get_prefix(const zt_dict *d, const char *key, uint8_t *out, size_t cap)
{
    zt_dict_entry e;
    size_t n = 0;

    if (zt__dict_find(d, key, &e) != 0)
        return -1;
    for (size_t i = 0; i < e.val_len && n < cap; i++) {
        uint8_t c = e.val[i];
        if (c == '\\') {
            if (++i >= e.val_len)
                break;
            c = unescape_byte(e.val[i]);
        }
        if (c == 0)
            break;
        out[n++] = c;
    }
    return (zt_ssize)n;
}

static bool is_space(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* strtoull(s, NULL, 16) on a bounded byte string, without the C library's locale. */
static uint64_t parse_hex_like_strtoull(const uint8_t *s, size_t n)
{
    size_t i = 0;
    bool neg = false, overflow;
    uint64_t v;

    while (i < n && is_space(s[i]))
        i++;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X') &&
        zt__hex_digit(s[i + 2]) >= 0)
        i += 2;
    (void)zt__hex_prefix_u64((const char *)s + i, n - i, &v, &overflow);
    if (overflow)
        return UINT64_MAX;
    return neg ? (uint64_t)0 - v : v;
}

uint64_t zt__dict_get_u64(const zt_dict *d, const char *key, uint64_t dflt)
{
    uint8_t buf[ZT_DICT_INT_MAX_CHARS];
    zt_ssize n = get_prefix(d, key, buf, sizeof(buf));

    if (n <= 0)
        return dflt;
    return parse_hex_like_strtoull(buf, (size_t)n);
}

bool zt__dict_get_bool(const zt_dict *d, const char *key, bool dflt)
{
    uint8_t c;
    zt_ssize n = get_prefix(d, key, &c, 1);

    if (n <= 0)
        return dflt;
    return c == '1' || c == 't' || c == 'T';
}

uint64_t zt__dict_get_address(const zt_dict *d, const char *key, uint64_t dflt)
{
    return zt__dict_get_u64(d, key, dflt) & 0xffffffffffULL;
}

static bool key_ok(const char *key)
{
    if (key == NULL || key[0] == '\0')
        return false;
    for (const char *p = key; *p != '\0'; p++)
        if (*p == '=' || *p == '\r' || *p == '\n')
            return false;
    return true;
}

int zt__dict_add(zt_wr *w, const char *key, const void *val, size_t len)
{
    const uint8_t *v = val;
    uint8_t *entry_start = w->p;
    bool was_overflow = w->overflow;

    if (!key_ok(key))
        return ZT_ERR_INVAL;
    if (was_overflow)
        return ZT_ERR_NOSPACE;
    if (zt__wr_len(w) > 0)
        zt__wr_u8(w, '\n');
    zt__wr_bytes(w, key, strlen(key));
    zt__wr_u8(w, '=');
    for (size_t i = 0; i < len && !w->overflow; i++) {
        uint8_t esc[2] = {'\\', 0};
        switch (v[i]) {
        case 0:
            esc[1] = '0';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '=':
            esc[1] = 'e';
            break;
        default:
            break;
        }
        if (esc[1] != 0)
            zt__wr_bytes(w, esc, 2);
        else
            zt__wr_u8(w, v[i]);
    }
    if (w->overflow) {
        w->p = entry_start; /* all or nothing */
        return ZT_ERR_NOSPACE;
    }
    return 0;
}

int zt__dict_add_str(zt_wr *w, const char *key, const char *s)
{
    return zt__dict_add(w, key, s, strlen(s));
}

static void hex_digits(char *out, uint64_t v, unsigned ndigits)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = ndigits; i-- > 0;) {
        out[i] = digits[v & 0xf];
        v >>= 4;
    }
}

int zt__dict_add_u64(zt_wr *w, const char *key, uint64_t v)
{
    char buf[16];
    hex_digits(buf, v, 16);
    return zt__dict_add(w, key, buf, sizeof(buf));
}

int zt__dict_add_i64(zt_wr *w, const char *key, int64_t v)
{
    /* 1.14.1 drops the sign of negative values (§4.1); reproduce it rather than invent a
     * form its readers would not understand. */
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    return zt__dict_add_u64(w, key, mag);
}

int zt__dict_add_bool(zt_wr *w, const char *key, bool v)
{
    return zt__dict_add(w, key, v ? "1" : "0", 1);
}

int zt__dict_add_address(zt_wr *w, const char *key, uint64_t a)
{
    char buf[10];
    hex_digits(buf, a & 0xffffffffffULL, 10);
    return zt__dict_add(w, key, buf, sizeof(buf));
}
