/*
 * The -j output of zt-cli: JSON as zerotier-cli re-prints it (nlohmann's dump(1), service.md
 * §6.1): one space of indentation per level, `"key": value`, keys in byte order, empty
 * containers as `{}` and `[]`, control characters as lower-case \u00xx, numbers with a
 * fractional part in their shortest round-trip form.  Our own printer rather than jansson's:
 * jansson writes \u001F in upper case and reals with 17 digits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

/* Shortest decimal digits of |v| (> 0) that read back as |v|; *pexp is the decimal exponent
 * of the first digit. */
static void shortest_digits(double v, char *digits, size_t size, int *pexp)
{
    char buf[40], *e;

    for (int prec = 0; prec <= 16; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec, v);
        if (strtod(buf, NULL) == v || prec == 16)
            break;
    }
    e = strchr(buf, 'e');
    *pexp = (int)strtol(e + 1, NULL, 10);
    *e = 0;
    size_t n = 0;
    for (const char *p = buf; *p && n + 1 < size; p++)
        if (*p != '.')
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = 0;
}

/* A real as nlohmann writes it: fixed notation while the point falls within 15 digits and
 * the number is not below 1e-4 ("1.0", "0.001"), else "d.ddde+XX". */
static void format_real(char *buf, size_t size, double v)
{
    char digits[24];
    int exp10, k, n;
    size_t o = 0;

    if (!isfinite(v)) {
        snprintf(buf, size, "null");
        return;
    }
    if (v == 0) {
        snprintf(buf, size, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    if (v < 0)
        buf[o++] = '-';
    shortest_digits(fabs(v), digits, sizeof(digits), &exp10);
    k = (int)strlen(digits);
    n = exp10 + 1; /* position of the decimal point after the first n digits */
    if (k <= n && n <= 15)
        snprintf(buf + o, size - o, "%s%.*s.0", digits, n - k, "000000000000000");
    else if (n > 0 && n <= 15)
        snprintf(buf + o, size - o, "%.*s.%s", n, digits, digits + n);
    else if (n > -4 && n <= 0)
        snprintf(buf + o, size - o, "0.%.*s%s", -n, "0000", digits);
    else if (k == 1)
        snprintf(buf + o, size - o, "%se%c%02d", digits, exp10 < 0 ? '-' : '+', abs(exp10));
    else
        snprintf(buf + o, size - o, "%c.%se%c%02d", digits[0], digits + 1, exp10 < 0 ? '-' : '+',
                 abs(exp10));
}

void zt__cli_json_number(char *buf, size_t size, const json_t *j)
{
    if (json_is_integer(j))
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
    else
        format_real(buf, size, json_real_value(j));
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void indent(FILE *f, int level)
{
    for (int i = 0; i < level; i++)
        fputc(' ', f);
}

static void print_value(FILE *f, const json_t *j, int level);

static void print_object(FILE *f, const json_t *j, int level)
{
    size_t n = json_object_size(j), i = 0;
    const char **keys;
    const char *key;
    json_t *v;

    if (n == 0 || (keys = malloc(n * sizeof(*keys))) == NULL) {
        fputs("{}", f); /* (out of memory: nothing better to print) */
        return;
    }
    json_object_foreach((json_t *)j, key, v)
    {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof(*keys), cmp_keys);
    fputs("{\n", f);
    for (i = 0; i < n; i++) {
        indent(f, level + 1);
        print_string(f, keys[i], strlen(keys[i]));
        fputs(": ", f);
        print_value(f, json_object_get(j, keys[i]), level + 1);
        fputs(i + 1 < n ? ",\n" : "\n", f);
    }
    indent(f, level);
    fputc('}', f);
    free(keys);
}

static void print_value(FILE *f, const json_t *j, int level)
{
    char num[48];
    size_t n;

    switch (json_typeof(j)) {
    case JSON_OBJECT: print_object(f, j, level); break;
    case JSON_ARRAY:
        if ((n = json_array_size(j)) == 0) {
            fputs("[]", f);
            break;
        }
        fputs("[\n", f);
        for (size_t i = 0; i < n; i++) {
            indent(f, level + 1);
            print_value(f, json_array_get(j, i), level + 1);
            fputs(i + 1 < n ? ",\n" : "\n", f);
        }
        indent(f, level);
        fputc(']', f);
        break;
    case JSON_STRING: print_string(f, json_string_value(j), json_string_length(j)); break;
    case JSON_INTEGER:
    case JSON_REAL:
        zt__cli_json_number(num, sizeof(num), j);
        fputs(num, f);
        break;
    case JSON_TRUE: fputs("true", f); break;
    case JSON_FALSE: fputs("false", f); break;
    default: fputs("null", f); break;
    }
}

void zt__cli_json_print(FILE *f, const json_t *j)
{
    print_value(f, j, 0);
}
