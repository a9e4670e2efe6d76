/*
 * http: an HTTP/1.1 server unikernel on lwIP's raw API, network device
 * "service0".
 *
 * Command line: --ipv4=ADDR/PREFIX [--ipv4-gateway=ADDR] [--port=N]
 *               [--idle-timeout=SECONDS] [--verbose]
 *   --port          TCP port (default 80)
 *   --idle-timeout  close a connection idle this long (default 30 s)
 *   --verbose       one console line per request (each one a hypercall)
 *
 * A small built-in site: / (= /index.html), /about, /hello.txt, /big, 1 MiB
 * of text (a 64 KiB block of numbered lines, repeated) for throughput, /bulk,
 * 256 MiB of the same, for a long transfer on one connection, and
 * /status (connections, requests, lwIP's memory pools: text/plain).
 * GET and HEAD; other methods get 405, unknown paths 404, malformed requests
 * 400 (and the connection closed). Keep-alive and pipelining as HTTP/1.1 says
 * (HTTP/1.0 only with "Connection: keep-alive").
 *
 * Connections idle for the timeout are closed, and so are those whose request
 * is not complete within the timeout of its first byte.
 *
 * Memory per connection is fixed: one struct conn with a 4 KiB request
 * buffer, from a static pool of MAX_CONNS; a connection beyond that is
 * refused (reset). Unread input beyond the buffer stays in lwIP, which stops
 * opening the TCP window. Response bodies are sent straight from static
 * memory (no copy); only the headers are copied into lwIP's heap.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/memp.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "ukvm_lwip.h"

#define MAX_CONNS 128
#define REQ_MAX 4096
#define HDR_MAX 2048 /* headers, and /status's body */
#define POLL_TICKS 1 /* tcp_poll interval: 500 ms */

/* ---- the site ---- */

struct object {
    const char *path;
    const char *type;
    const char *data; /* byte i of the body is data[i % data_len] */
    size_t data_len;
    size_t size;
};

static const char index_html[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>ukvm</title></head>\n"
    "<body><h1>ukvm</h1>\n"
    "<p>Served by a unikernel: lwIP on the ukvm guest SDK, under ukvm.</p>\n"
    "<ul><li><a href=\"/about\">about</a></li>"
    "<li><a href=\"/hello.txt\">hello.txt</a></li>"
    "<li><a href=\"/big\">big</a> (1 MiB)</li></ul>\n"
    "</body></html>\n";
static const char about_html[] =
    "<!DOCTYPE html>\n"
    "<html><head><title>about</title></head>\n"
    "<body><h1>about</h1><p>HTTP/1.1, GET and HEAD, keep-alive.</p></body></html>\n";
static const char hello_txt[] = "Hello from ukvm\n";

#define BIG_BLOCK 65536
#define BIG_LINE 64
#define BIG_SIZE (16 * BIG_BLOCK)
#define BULK_SIZE ((size_t)4096 * BIG_BLOCK)
static char big_block[BIG_BLOCK];

static struct object site[] = {
    { "/", "text/html; charset=utf-8", index_html, sizeof index_html - 1, sizeof index_html - 1 },
    { "/index.html", "text/html; charset=utf-8", index_html, sizeof index_html - 1,
      sizeof index_html - 1 },
    { "/about", "text/html; charset=utf-8", about_html, sizeof about_html - 1,
      sizeof about_html - 1 },
    { "/hello.txt", "text/plain; charset=utf-8", hello_txt, sizeof hello_txt - 1,
      sizeof hello_txt - 1 },
    { "/big", "application/octet-stream", big_block, BIG_BLOCK, BIG_SIZE },
    { "/bulk", "application/octet-stream", big_block, BIG_BLOCK, BULK_SIZE },
    { "/status", "text/plain; charset=utf-8", NULL, 0, 0 }, /* made per request */
};

static const char body_400[] = "<html><body><h1>400 Bad Request</h1></body></html>\n";
static const char body_404[] = "<html><body><h1>404 Not Found</h1></body></html>\n";
static const char body_405[] = "<html><body><h1>405 Method Not Allowed</h1></body></html>\n";
static const char body_505[] =
    "<html><body><h1>505 HTTP Version Not Supported</h1></body></html>\n";

/* 1024 lines of 63 characters and a newline: "big 0000 ...". */
static void big_init(void)
{
    for (unsigned i = 0; i < BIG_BLOCK / BIG_LINE; i++) {
        char *line = big_block + i * BIG_LINE;
        int n = snprintf(line, BIG_LINE, "big %04u ", i);
        for (int j = n; j < BIG_LINE - 1; j++)
            line[j] = (char)('a' + (i + (unsigned)j) % 26);
        line[BIG_LINE - 1] = '\n';
    }
}

/* ---- connections ---- */

struct conn {
    struct tcp_pcb *pcb;
    bool used;
    bool peer_closed;    /* FIN received */
    bool close_after;    /* close once the response is queued */
    bool responding;     /* a response is being queued */
    u32_t last_active;   /* sys_now() of the last progress */
    u32_t req_start;     /* sys_now() when the buffered request began */
    struct pbuf *pending; /* received, not yet in buf */
    size_t len;          /* bytes in buf */
    size_t skip;         /* request body bytes still to discard */
    /* the response being queued */
    char hdr[HDR_MAX];
    size_t hdr_len, hdr_off;
    const char *data;
    size_t data_len, body_off, body_size;
    char buf[REQ_MAX];
};

static struct conn conns[MAX_CONNS];
static unsigned conns_used, conns_peak;
static unsigned long requests, refused;
static u32_t idle_ms = 30000;
static bool verbose;

static struct conn *conn_alloc(void)
{
    for (unsigned i = 0; i < MAX_CONNS; i++) {
        if (!conns[i].used) {
            struct conn *c = &conns[i];
            c->used = true;
            c->peer_closed = c->close_after = c->responding = false;
            c->last_active = sys_now();
            c->pending = NULL;
            c->len = c->skip = 0;
            c->hdr_len = c->hdr_off = 0;
            c->data = NULL;
            c->data_len = c->body_off = c->body_size = 0;
            if (++conns_used > conns_peak)
                conns_peak = conns_used;
            return c;
        }
    }
    return NULL;
}

static void conn_free(struct conn *c)
{
    if (c->pending != NULL)
        pbuf_free(c->pending);
    c->pending = NULL;
    c->pcb = NULL;
    c->used = false;
    conns_used--;
}

static void detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

/*
 * Closes the connection gracefully (FIN after what is queued). Everything
 * received is acknowledged to lwIP first, or it would reset instead.
 * Returns ERR_ABRT if it had to abort the PCB (the callback must return that).
 */
static err_t conn_close(struct conn *c)
{
    struct tcp_pcb *pcb = c->pcb;

    if (c->pending != NULL)
        tcp_recved(pcb, c->pending->tot_len);
    detach(pcb);
    conn_free(c);
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

static err_t conn_abort(struct conn *c)
{
    struct tcp_pcb *pcb = c->pcb;

    detach(pcb);
    conn_free(c);
    tcp_abort(pcb);
    return ERR_ABRT;
}

/* Moves received bytes from the pending pbufs into buf, opening the window. */
static void conn_feed(struct conn *c)
{
    while (c->pending != NULL && (c->skip > 0 || c->len < REQ_MAX)) {
        u16_t n;
        if (c->skip > 0) {
            /* A request body we do not need: drop it without copying. */
            n = c->pending->tot_len;
            if (n > c->skip)
                n = (u16_t)c->skip;
            c->skip -= n;
        } else {
            size_t room = REQ_MAX - c->len;
            n = c->pending->tot_len < room ? c->pending->tot_len : (u16_t)room;
            pbuf_copy_partial(c->pending, c->buf + c->len, n, 0);
            if (c->len == 0)
                c->req_start = sys_now();
            c->len += n;
        }
        tcp_recved(c->pcb, n);
        c->pending = pbuf_free_header(c->pending, n);
    }
}

/* Queues as much of the response as lwIP takes now. True when all is queued. */
static bool conn_push(struct conn *c)
{
    struct tcp_pcb *pcb = c->pcb;

    while (c->hdr_off < c->hdr_len) {
        size_t n = c->hdr_len - c->hdr_off;
        if (n > tcp_sndbuf(pcb))
            n = tcp_sndbuf(pcb);
        if (n == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4)
            goto out;
        u8_t more = (c->body_off < c->body_size || n < c->hdr_len - c->hdr_off)
                        ? TCP_WRITE_FLAG_MORE : 0;
        if (tcp_write(pcb, c->hdr + c->hdr_off, (u16_t)n, TCP_WRITE_FLAG_COPY | more) != ERR_OK)
            goto out;
        c->hdr_off += n;
    }
    while (c->body_off < c->body_size) {
        size_t at = c->body_off % c->data_len;
        size_t n = c->data_len - at;
        if (n > c->body_size - c->body_off)
            n = c->body_size - c->body_off;
        if (n > tcp_sndbuf(pcb))
            n = tcp_sndbuf(pcb);
        if (n > 0xffff)
            n = 0xffff;
        if (n == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4)
            goto out;
        u8_t more = c->body_off + n < c->body_size ? TCP_WRITE_FLAG_MORE : 0;
        if (tcp_write(pcb, c->data + at, (u16_t)n, more) != ERR_OK)
            goto out;
        c->body_off += n;
    }
    tcp_output(pcb);
    return true;
out:
    tcp_output(pcb);
    return false;
}

/* ---- requests ---- */

static bool is_tchar(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static bool ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);

    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

/* Does the comma-separated list (v, vlen) contain (token), ignoring case? */
static bool has_token(const char *v, size_t vlen, const char *token)
{
    size_t i = 0;

    while (i < vlen) {
        while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < vlen && v[i] != ',')
            i++;
        size_t end = i;
        while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
            end--;
        if (end > start && ieq(v + start, end - start, token))
            return true;
    }
    return false;
}

static const char *status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" for the wall clock. */
static void http_date(char *out, size_t size)
{
    static const char days[7][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    uint64_t secs = solo5_clock_wall() / 1000000000ULL;
    uint64_t z = secs / 86400, rem = secs % 86400;
    const char *wday = days[z % 7];
    /* Howard Hinnant's civil_from_days. */
    z += 719468;
    uint64_t era = z / 146097, doe = z - era * 146097;
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    uint64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    snprintf(out, size, "%s, %02u %s %04u %02u:%02u:%02u GMT", wday, (unsigned)d,
             months[m - 1], (unsigned)y, (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
             (unsigned)(rem % 60));
}

static const char *const pool_names[] = {
#define LWIP_MEMPOOL(name, num, size, desc) desc,
#include "lwip/priv/memp_std.h"
};

/* /status: text/plain, into (out). Returns its length. */
static size_t status_body(char *out, size_t size)
{
    size_t n = 0;

#define ADD(...) \
    do { \
        if (n < size) \
            n += (size_t)snprintf(out + n, size - n, __VA_ARGS__); \
    } while (0)
    ADD("connections %u (peak %u, max %u), refused %lu, requests %lu\n", conns_used,
        conns_peak, (unsigned)MAX_CONNS, refused, requests);
#if MEM_STATS
    ADD("heap used %lu max %lu of %lu, errors %lu\n", (unsigned long)lwip_stats.mem.used,
        (unsigned long)lwip_stats.mem.max, (unsigned long)lwip_stats.mem.avail,
        (unsigned long)lwip_stats.mem.err);
#endif
#if MEMP_STATS
    for (unsigned i = 0; i < MEMP_MAX; i++) {
        const struct stats_mem *m = lwip_stats.memp[i];
        ADD("pool %-14s used %4lu max %4lu of %4lu, errors %lu\n", pool_names[i],
            (unsigned long)m->used, (unsigned long)m->max, (unsigned long)m->avail,
            (unsigned long)m->err);
    }
#endif
#if TCP_STATS
    ADD("tcp recv %lu xmit %lu drop %lu memerr %lu proterr %lu\n",
        (unsigned long)lwip_stats.tcp.recv, (unsigned long)lwip_stats.tcp.xmit,
        (unsigned long)lwip_stats.tcp.drop, (unsigned long)lwip_stats.tcp.memerr,
        (unsigned long)lwip_stats.tcp.proterr);
#endif
#undef ADD
    return n < size ? n : size - 1;
}

static void respond(struct conn *c, int status, bool head, const struct object *obj,
                    const char *body, size_t body_len, bool keep_alive)
{
    char date[40];
    const char *type = obj != NULL ? obj->type : "text/html; charset=utf-8";
    size_t size = obj != NULL ? obj->size : body_len;
    /* A body made now (/status) goes out with the headers, copied. */
    static char dynamic[1536];
    size_t dynamic_len = 0;

    if (obj != NULL && obj->data == NULL) {
        dynamic_len = status_body(dynamic, sizeof dynamic);
        size = dynamic_len;
    }

    http_date(date, sizeof date);
    int n = snprintf(c->hdr, sizeof c->hdr,
                     "HTTP/1.1 %d %s\r\n"
                     "Server: ukvm-http\r\n"
                     "Date: %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %lu\r\n"
                     "%s"
                     "Connection: %s\r\n"
                     "\r\n",
                     status, status_text(status), date, type, (unsigned long)size,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "",
                     keep_alive ? "keep-alive" : "close");
    c->hdr_len = (size_t)n < sizeof c->hdr ? (size_t)n : sizeof c->hdr - 1;
    c->hdr_off = 0;
    c->body_off = 0;
    if (dynamic_len > 0 && !head && c->hdr_len + dynamic_len <= sizeof c->hdr) {
        memcpy(c->hdr + c->hdr_len, dynamic, dynamic_len);
        c->hdr_len += dynamic_len;
    }
    if (head || size == 0 || dynamic_len > 0) {
        c->data = NULL;
        c->data_len = 0;
        c->body_size = 0;
    } else if (obj != NULL) {
        c->data = obj->data;
        c->data_len = obj->data_len;
        c->body_size = obj->size;
    } else {
        c->data = body;
        c->data_len = body_len;
        c->body_size = body_len;
    }
    c->close_after = !keep_alive;
    c->responding = true;
    requests++;
}

/*
 * Parses the request whose header ends at buf[hdr_end] (exclusive) and sets
 * up its response. Sets c->skip to the body length to discard.
 */
static void handle_request(struct conn *c, size_t hdr_end)
{
    const char *p = c->buf, *end = c->buf + hdr_end;
    const char *line_end;
    bool head = false, get = false;
    int status = 0;

    /* Request line: METHOD SP TARGET SP HTTP/D.D */
    line_end = memchr(p, '\n', (size_t)(end - p));
    const char *m = p;
    while (p < line_end && is_tchar(*p))
        p++;
    size_t mlen = (size_t)(p - m);
    const char *target = NULL, *version = NULL;
    size_t tlen = 0;
    if (mlen > 0 && p < line_end && *p == ' ') {
        target = ++p;
        while (p < line_end && *p > ' ' && *p < 0x7f)
            p++;
        tlen = (size_t)(p - target);
        if (tlen > 0 && p < line_end && *p == ' ')
            version = ++p;
    }
    const char *vend = line_end > c->buf && line_end[-1] == '\r' ? line_end - 1 : line_end;
    int minor = -1;
    if (version == NULL || vend - version != 8 || memcmp(version, "HTTP/", 5) != 0 ||
        version[5] < '0' || version[5] > '9' || version[6] != '.' || version[7] < '0' ||
        version[7] > '9')
        status = 400;
    else if (version[5] != '1')
        status = 505;
    else
        minor = version[7] - '0';

    if (mlen == 3 && memcmp(m, "GET", 3) == 0)
        get = true;
    else if (mlen == 4 && memcmp(m, "HEAD", 4) == 0)
        head = true;

    /* Header fields. */
    bool keep_alive = minor >= 1, have_host = false, chunked = false, have_length = false;
    unsigned long length = 0;
    p = line_end + 1;
    while (status == 0 && p < end) {
        line_end = memchr(p, '\n', (size_t)(end - p));
        if (line_end == NULL)
            line_end = end;
        const char *le = line_end > p && line_end[-1] == '\r' ? line_end - 1 : line_end;
        if (le == p)
            break; /* the empty line */
        const char *name = p;
        while (p < le && is_tchar(*p))
            p++;
        if (p == name || p == le || *p != ':') {
            status = 400; /* no name, obsolete folding, or space before the colon */
            break;
        }
        size_t nlen = (size_t)(p - name);
        p++;
        while (p < le && (*p == ' ' || *p == '\t'))
            p++;
        const char *v = p;
        size_t vlen = (size_t)(le - v);
        while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            vlen--;
        for (size_t i = 0; i < vlen; i++)
            if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
                status = 400;
        if (ieq(name, nlen, "host")) {
            if (have_host)
                status = 400;
            have_host = true;
        } else if (ieq(name, nlen, "connection")) {
            if (has_token(v, vlen, "close"))
                keep_alive = false;
            else if (has_token(v, vlen, "keep-alive"))
                keep_alive = true;
        } else if (ieq(name, nlen, "content-length")) {
            unsigned long n = 0;
            if (vlen == 0 || vlen > 15)
                status = 400;
            for (size_t i = 0; i < vlen && status == 0; i++) {
                if (v[i] < '0' || v[i] > '9')
                    status = 400;
                n = n * 10 + (unsigned long)(v[i] - '0');
            }
            if (have_length && n != length)
                status = 400;
            have_length = true;
            length = n;
        } else if (ieq(name, nlen, "transfer-encoding")) {
            chunked = true;
        }
        p = line_end + 1;
    }
    if (status == 0 && minor >= 1 && !have_host)
        status = 400; /* RFC 9112 3.2 */
    if (status == 0 && chunked && have_length)
        status = 400; /* RFC 9112 6.3: request smuggling */

    const struct object *obj = NULL;
    if (status == 0 && !get && !head) {
        status = 405;
    } else if (status == 0) {
        /* origin-form, or absolute-form (http://host/path) */
        if (tlen > 7 && ieq(target, 7, "http://")) {
            const char *slash = memchr(target + 7, '/', tlen - 7);
            if (slash == NULL) {
                target = "/";
                tlen = 1;
            } else {
                tlen -= (size_t)(slash - target);
                target = slash;
            }
        }
        if (target[0] != '/') {
            status = 400;
        } else {
            const char *q = memchr(target, '?', tlen);
            size_t plen = q != NULL ? (size_t)(q - target) : tlen;
            for (size_t i = 0; i < sizeof site / sizeof site[0]; i++)
                if (strlen(site[i].path) == plen && memcmp(site[i].path, target, plen) == 0)
                    obj = &site[i];
            status = obj != NULL ? 200 : 404;
        }
    }

    if (verbose)
        printf("http: %.*s %.*s -> %d\n", (int)(mlen < 16 ? mlen : 16), m,
               (int)(tlen < 64 ? tlen : 64), target != NULL ? target : "", status);

    /* A body we cannot frame (chunked) or a bad request: answer, then close. */
    if (status == 400 || status == 505 || chunked)
        keep_alive = false;
    c->skip = (have_length && !chunked) ? length : 0;
    switch (status) {
    case 200:
        respond(c, 200, head, obj, NULL, 0, keep_alive);
        break;
    case 404:
        respond(c, 404, head, NULL, body_404, sizeof body_404 - 1, keep_alive);
        break;
    case 405:
        respond(c, 405, false, NULL, body_405, sizeof body_405 - 1, keep_alive);
        break;
    case 505:
        respond(c, 505, false, NULL, body_505, sizeof body_505 - 1, keep_alive);
        break;
    default:
        respond(c, 400, false, NULL, body_400, sizeof body_400 - 1, false);
        break;
    }
}

/* End of the header block in buf (index after the empty line), or 0. */
static size_t header_end(const struct conn *c)
{
    for (size_t i = 0; i + 1 < c->len; i++) {
        if (c->buf[i] != '\n')
            continue;
        if (c->buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < c->len && c->buf[i + 1] == '\r' && c->buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/*
 * Serves what is buffered: parses requests and queues responses one at a
 * time, as long as each response is queued completely. Returns ERR_ABRT if
 * the connection was aborted, else ERR_OK (it may have been closed: c freed).
 */
static err_t conn_serve(struct conn *c)
{
    for (;;) {
        if (c->responding) {
            if (!conn_push(c))
                return ERR_OK; /* continues from the sent or poll callback */
            c->responding = false;
            if (c->close_after)
                return conn_close(c);
        }
        conn_feed(c);
        if (c->skip > 0)
            return ERR_OK; /* still discarding a body; more to come */
        /* Skip empty lines between requests (RFC 9112 2.2). */
        size_t lead = 0;
        while (lead < c->len && (c->buf[lead] == '\r' || c->buf[lead] == '\n'))
            lead++;
        if (lead > 0) {
            memmove(c->buf, c->buf + lead, c->len - lead);
            c->len -= lead;
        }
        size_t end = header_end(c);
        if (end == 0) {
            if (c->len >= REQ_MAX) {
                /* A request line and headers over 4 KiB. */
                c->len = 0;
                respond(c, 400, false, NULL, body_400, sizeof body_400 - 1, false);
                continue;
            }
            if (c->peer_closed && c->pending == NULL)
                return conn_close(c); /* nothing more will come */
            return ERR_OK;
        }
        handle_request(c, end);
        memmove(c->buf, c->buf + end, c->len - end);
        c->len -= end;
        if (c->skip > 0) {
            size_t n = c->skip < c->len ? c->skip : c->len;
            memmove(c->buf, c->buf + n, c->len - n);
            c->len -= n;
            c->skip -= n;
        }
    }
}

/* ---- lwIP callbacks ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct conn *c = arg;

    if (c == NULL) {
        /* Closed by us already: take the data, nobody reads it. */
        if (p != NULL) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL) {
        c->peer_closed = true;
        return conn_serve(c);
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    c->last_active = sys_now();
    if (c->pending == NULL)
        c->pending = p;
    else
        pbuf_cat(c->pending, p);
    return conn_serve(c);
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct conn *c = arg;

    (void)pcb;
    (void)len;
    if (c == NULL)
        return ERR_OK;
    c->last_active = sys_now();
    return conn_serve(c);
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    struct conn *c = arg;

    if (c == NULL) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    /* A request must be complete within the idle timeout of its first byte:
     * a client trickling one byte at a time does not hold a connection. */
    bool slow_request = !c->responding && c->len > 0 && sys_now() - c->req_start >= idle_ms;
    if (slow_request || sys_now() - c->last_active >= idle_ms) {
        /* Idle, or a client that stopped reading: close, and abort if a
         * response is stuck (a peer that never opens its window) or the
         * close did not finish. */
        if (c->responding || sys_now() - c->last_active >= 2 * idle_ms)
            return conn_abort(c);
        return conn_close(c);
    }
    return conn_serve(c); /* retries a response that lwIP had no room for */
}

static void on_err(void *arg, err_t err)
{
    struct conn *c = arg;

    (void)err;
    if (c != NULL) /* the PCB is gone (reset or aborted) */
        conn_free(c);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    struct conn *c = conn_alloc();
    if (c == NULL) {
        refused++;
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->pcb = pcb;
    tcp_arg(pcb, c);
    tcp_recv(pcb, on_recv);
    tcp_sent(pcb, on_sent);
    tcp_err(pcb, on_err);
    tcp_poll(pcb, on_poll, POLL_TICKS);
    tcp_nagle_disable(pcb);
    return ERR_OK;
}

/* ---- main ---- */

static bool opt_uint(const char *cmdline, const char *name, unsigned long *out)
{
    const char *p = cmdline;
    size_t nlen = strlen(name);

    while ((p = strstr(p, name)) != NULL) {
        if (p == cmdline || p[-1] == ' ') {
            char *end;
            *out = strtoul(p + nlen, &end, 10);
            if (end == p + nlen || (*end != '\0' && *end != ' ')) {
                printf("http: bad value for %s\n", name);
                solo5_exit(SOLO5_EXIT_FAILURE);
            }
            return true;
        }
        p += nlen;
    }
    return false;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    unsigned long port = 80, idle = 30;

    opt_uint(si->cmdline, "--port=", &port);
    if (opt_uint(si->cmdline, "--idle-timeout=", &idle) && idle == 0)
        idle = 1;
    if (idle > 3600)
        idle = 3600;
    idle_ms = (u32_t)idle * 1000;
    verbose = strstr(si->cmdline, "--verbose") != NULL;
    if (port == 0 || port > 65535) {
        printf("http: bad --port\n");
        return SOLO5_EXIT_FAILURE;
    }
    big_init();

    struct netif *nif = ukvm_lwip_init(si->cmdline, "service0");
    struct tcp_pcb *listener = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (listener == NULL || tcp_bind(listener, IP4_ADDR_ANY, (u16_t)port) != ERR_OK) {
        printf("http: cannot bind port %lu\n", port);
        return SOLO5_EXIT_FAILURE;
    }
    listener = tcp_listen_with_backlog(listener, TCP_DEFAULT_LISTEN_BACKLOG);
    if (listener == NULL) {
        printf("http: listen failed\n");
        return SOLO5_EXIT_FAILURE;
    }
    tcp_accept(listener, on_accept);

    const ip4_addr_t *a = netif_ip4_addr(nif);
    printf("http: serving on %u.%u.%u.%u:%lu (idle timeout %lu s, %u connections max)\n",
           ip4_addr1(a), ip4_addr2(a), ip4_addr3(a), ip4_addr4(a), port, idle,
           (unsigned)MAX_CONNS);
    for (;;)
        ukvm_lwip_poll(SOLO5_TIME_NEVER);
}
