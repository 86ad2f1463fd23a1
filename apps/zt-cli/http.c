/*
 * zt-cli's HTTP client over libcurl: one request per call to the service's local API
 * (service.md §4): X-ZT1-Auth header, JSON bodies, 60 s timeout, responses up to 16 MiB.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "util/array.h"

typedef struct body_buf {
    char *p;
    size_t len, cap;
    bool is_too_large;
} body_buf;

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    body_buf *b = user;
    size_t add = size * n;

    if (add > ZT_CLI_MAX_BODY - b->len) {
        b->is_too_large = true;
        return 0; /* ends the transfer with CURLE_WRITE_ERROR */
    }
    if (zt__array_grow(NULL, &b->p, &b->cap, b->len + add + 1, 1, ZT_CLI_MAX_BODY + 1) != 0)
        return 0;
    memcpy(b->p + b->len, data, add);
    b->len += add;
    b->p[b->len] = 0;
    return add;
}

int zt__cli_http_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void zt__cli_http_cleanup(void)
{
    curl_global_cleanup();
}

void zt__cli_response_clear(zt_cli_response *res)
{
    free(res->body);
    res->body = NULL;
    res->len = 0;
    res->code = 0;
}

/* Sets |res| to "no response" with |why| as its body. */
static int set_error(zt_cli_response *res, const char *why)
{
    free(res->body);
    res->code = 0;
    res->len = strlen(why);
    if ((res->body = strdup(why)) == NULL) {
        res->len = 0;
        fputs("zt-cli: out of memory\n", stderr);
        return ZT_CLI_EXIT_FAIL;
    }
    return 0;
}

/* http://<host>:<port><path>, brackets around an IPv6 host. */
static char *make_url(const zt_cli *cli, const char *path)
{
    bool is_v6 = strchr(cli->host, ':') != NULL;
    size_t n = strlen(cli->host) + strlen(path) + 32;
    char *url = malloc(n);

    if (url != NULL)
        snprintf(url, n, "http://%s%s%s:%u%s", is_v6 ? "[" : "", cli->host, is_v6 ? "]" : "",
                 cli->port, path);
    return url;
}

/* The request headers as zerotier-cli sends them (service.md §4): Content-Length and
 * Content-Type on POST, then X-ZT1-Auth; none of curl's Host, Accept or Expect. */
static struct curl_slist *make_headers(const zt_cli *cli, const char *body)
{
    struct curl_slist *h = NULL, *t;
    size_t n = strlen(cli->token) + 16;
    char *auth = malloc(n), length[48];

    if (auth == NULL)
        return NULL;
    snprintf(auth, n, "X-ZT1-Auth: %s", cli->token);
    snprintf(length, sizeof(length), "Content-Length: %zu", body ? strlen(body) : 0);
    const char *lines[] = {body ? length : NULL, body ? "Content-Type: application/json" : NULL,
                           auth, "Host:", "Accept:", "Expect:"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if (lines[i] == NULL)
            continue;
        if ((t = curl_slist_append(h, lines[i])) == NULL) {
            curl_slist_free_all(h);
            h = NULL;
            break;
        }
        h = t;
    }
    free(auth);
    return h;
}

static void set_options(CURL *c, const char *method, const char *body, char *errbuf)
{
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, ZT_CLI_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_PROXY, ""); /* the service is local: never via a proxy */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
}

int zt__cli_http(const zt_cli *cli, const char *method, const char *path, const char *body,
                 zt_cli_response *res)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    body_buf b = {0};
    struct curl_slist *headers = NULL;
    char *url = NULL;
    CURL *c = NULL;
    CURLcode cc;
    int rv;

    memset(res, 0, sizeof(*res));
    url = make_url(cli, path);
    if (strcmp(method, "POST") == 0 && body == NULL)
        body = "";
    else if (strcmp(method, "POST") != 0)
        body = NULL;
    headers = make_headers(cli, body);
    if (url == NULL || headers == NULL || (c = curl_easy_init()) == NULL) {
        rv = set_error(res, "out of memory");
        goto out;
    }
    set_options(c, method, body, errbuf);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        rv = set_error(res, b.is_too_large  ? "response larger than 16 MiB"
                            : errbuf[0] ? errbuf
                                        : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->code);
    if (b.p == NULL && (b.p = strdup("")) == NULL) {
        rv = set_error(res, "out of memory");
        goto out;
    }
    res->body = b.p;
    res->len = b.len;
    b.p = NULL;
    rv = 0;
out:
    free(b.p);
    free(url);
    curl_slist_free_all(headers);
    if (c != NULL)
        curl_easy_cleanup(c);
    return rv;
}
