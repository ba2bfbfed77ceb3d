/* The MI machine: runs, programs, storage, spaces, invocations and exceptions
 * (mi-spec/mi-v1.md §2, §5, §9, §10, §12). Executing instructions is the
 * interpreter's job (interp.c) or native code's (mi_exec_hook). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include "machine_call.h"

/* Spaces whose maximum is at most this are calloc'd whole and charged to the
 * storage limit; larger ones reserve address space with mmap (pages are only
 * committed when touched, and only the current size can be touched). */
#define SMALL_SPACE (64u * 1024u)
/* Address space all large spaces of a run may reserve together. */
#define MAX_RESERVE (1ull << 40)
/* Stack the run thread keeps in hand (at most; an eighth of a small stack):
 * below it a call raises MIE0001. */
#define STACK_MARGIN (8u << 20)
/* The hard ceiling of max_storage: layout offsets in an area fit 32 bits. */
#define STORAGE_CEILING 0xFFFFFFFFull

void mi_run_opts_init(mi_run_opts *o) { memset(o, 0, sizeof *o); }

/* ---- exceptions (§10) ----------------------------------------------------- */

static int id_matches(const char *mon, const char *id) {
    if (strcmp(mon, "*ALL") == 0) return 1;
    size_t n = strlen(mon);
    if (n == 7 && strcmp(mon + 3, "0000") == 0) return strncmp(mon, id, 3) == 0;
    if (n == 7 && strcmp(mon + 5, "00") == 0) return strncmp(mon, id, 5) == 0;
    return strcmp(mon, id) == 0;
}

static void set_pending(mi_runctx *run, mi_exc e, const mi_program *p, uint32_t insn) {
    mi_excinfo *x = &run->pending;
    /* Native code could pass anything: an id outside the machine's list is a broken
     * executor, reported as resource exhaustion rather than read out of bounds. */
    if ((unsigned)e >= MI_EXC_COUNT || e == MI_EXC_USER) e = MI_EXC_MIE0008;
    snprintf(x->id, sizeof x->id, "%s", mi_exc_ids[e]);
    x->code = e;
    x->ndata = 0;
    x->prog = p;
    x->insn = insn;
}

static int32_t find_handler(mi_invocation *inv, uint32_t insn) {
    const mi_template *t = inv->tmpl;
    const mi_excinfo *x = &inv->run->pending;
    for (uint32_t i = 0; i < t->nmons; i++) {
        const mi_monitor *m = &t->mons[i];
        if (m->from <= insn && insn <= m->to && m->handler < t->ninsns &&
            id_matches(m->id, x->id)) {
            inv->exc = *x;
            inv->rsp = 0;
            return (int32_t)m->handler;
        }
    }
    return -1;
}

int32_t mi_machine_raise(mi_invocation *inv, uint32_t insn, mi_exc exc) {
    if (exc != MI_EXC_NONE) set_pending(inv->run, exc, inv->prog, insn);
    return find_handler(inv, insn);
}

void mi_machine_set_signal(mi_invocation *inv, uint32_t insn, const uint8_t *id,
                           const uint8_t *data, uint32_t ndata) {
    mi_excinfo *x = &inv->run->pending;
    memcpy(x->id, id, 7);
    x->id[7] = '\0';
    x->code = MI_EXC_USER;
    x->ndata = ndata < MI_EXC_DATA_MAX ? ndata : MI_EXC_DATA_MAX;
    memmove(x->data, data, x->ndata);
    x->prog = inv->prog;
    x->insn = insn;
}

int32_t mi_machine_signal(mi_invocation *inv, uint32_t insn, const uint8_t *id,
                          const uint8_t *data, uint32_t ndata) {
    mi_machine_set_signal(inv, insn, id, data, ndata);
    return find_handler(inv, insn);
}

static void put_blank_padded(uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an) {
    uint32_t k = an < rn ? an : rn;
    memmove(r, a, k);
    memset(r + k, ' ', rn - k);
}

mi_exc mi_machine_rtvexc(mi_invocation *inv, uint8_t *r1, uint32_t n1, uint8_t *r2,
                         uint32_t n2, const mi_type *t3, uint8_t *r3) {
    const mi_excinfo *x = &inv->exc;
    uint8_t num[64];
    uint32_t nb = mi_type_bytes(t3);
    if (nb > sizeof num) return MI_EXC_MCH1210; /* cannot happen for a numeric type */
    int64_t insn = (x->id[0] == '\0' || x->insn == MI_NONE) ? 0 : (int64_t)x->insn + 1;
    mi_exc e = mi_sem_store_int(t3, num, insn);
    if (e != MI_EXC_NONE) return e;
    uint8_t id[7];
    size_t idn = strlen(x->id);
    memcpy(id, x->id, idn);
    put_blank_padded(r1, n1, id, (uint32_t)idn);
    put_blank_padded(r2, n2, x->data, x->ndata);
    memcpy(r3, num, nb);
    return MI_EXC_NONE;
}

/* ---- storage (§2) --------------------------------------------------------- */

static int is_pointer(const mi_type *t) { return t->kind == MI_T_SPCPTR || t->kind == MI_T_SYSPTR; }

/* Writes an object's initial value into every element at p. */
static mi_exc init_object(const mi_template *t, const mi_object *o, const mi_objlayout *ol,
                          uint8_t *p) {
    uint32_t es = ol->esize, n = o->dim ? o->dim : 1;
    if (o->init != MI_NONE && o->init < t->nconsts) {
        const mi_const *c = &t->consts[o->init];
        const uint8_t *cb = t->constbytes + c->offset;
        if (mi_type_equal(&c->type, &o->type) && c->nbytes == es) {
            memcpy(p, cb, es);
        } else if (mi_type_is_numeric(&c->type) && mi_type_is_numeric(&o->type)) {
            mi_exc e = mi_sem_unary(MI_OP_CPYNV, 0, &o->type, p, &c->type, cb);
            if (e != MI_EXC_NONE) return e;
        } else {
            put_blank_padded(p, es, cb, c->nbytes);
        }
    } else {
        mi_sem_default(&o->type, p);
    }
    /* Replicate the first element, doubling the copied run each time. */
    uint64_t done = es, total = (uint64_t)es * n;
    while (done < total) {
        uint64_t k = done < total - done ? done : total - done;
        memcpy(p + done, p, k);
        done += k;
    }
    return MI_EXC_NONE;
}

/* Creates the initial image of the STATIC or AUTO area (§2: non-DEFINED objects
 * first, then DEFINED ones with INIT, each in ODT order). */
static mi_exc init_area(const mi_program *p, uint8_t area, uint8_t *buf, uint64_t size) {
    const mi_template *t = p->tmpl;
    memset(buf, 0, size); /* pointers: not set */
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < t->nobjs; i++) {
            const mi_object *o = &t->objs[i];
            const mi_objlayout *ol = &p->layout.objs[i];
            if (ol->area != area || is_pointer(&o->type)) continue;
            if (pass == 0 ? o->cls == MI_C_DEFINED
                          : (o->cls != MI_C_DEFINED || o->init == MI_NONE)) continue;
            mi_exc e = init_object(t, o, ol, buf + ol->offset);
            if (e != MI_EXC_NONE) return e;
        }
    }
    return MI_EXC_NONE;
}

static uint64_t storage_left(const mi_runctx *run) { return run->max_storage - run->storage_used; }

/* AUTO storage up to this size is initialised by copying an image made at the
 * first call; larger AUTO storage is initialised in place at each call (an image
 * would double the memory of programs with huge AUTO objects). */
#define AUTO_IMAGE_MAX (64u * 1024u)

/* ---- call plans ------------------------------------------------------------ */

/* Index in inv->base of an object that is not BASED; MI_NONE for a BASED one. */
static uint32_t plan_area(const mi_objlayout *ol) {
    if (ol->area == MI_AREA_BASED) return MI_NONE;
    return ol->area == MI_AREA_PARM ? MI_AREA_PARM + ol->root : ol->area;
}

/* Which CALLX sites get a plan is part of the contract with stored native code: the
 * translator numbers plan sites with this function (mi_machine_callx_site) and the image
 * calls rt->callxp by that number. Any change to the rules here must bump
 * MI_RT_ABI_VERSION (translator/mi_host.h) so that old translations are made again. */
int mi_callplan_build(const mi_template *t, const mi_layout *l, uint32_t insn, mi_callplan *pl) {
    if (insn >= t->ninsns) return 0;
    const mi_insn *in = &t->insns[insn];
    if (in->op != MI_OP_CALLX || in->nopnds < 1 || in->nopnds - 1u > MI_PLAN_MAX) return 0;
    const mi_operand *op = &t->opnds[in->first];
    if (op[0].kind != MI_O_OBJ || op[0].ref >= t->nobjs) return 0;
    const mi_object *so = &t->objs[op[0].ref];
    uint32_t sarea = plan_area(&l->objs[op[0].ref]);
    if (so->type.kind != MI_T_SYSPTR || so->dim != 0 || sarea == MI_NONE) return 0;
    for (uint32_t k = 1; k < in->nopnds; k++) {
        if (op[k].kind == MI_O_CONST) {
            if (op[k].ref >= t->nconsts) return 0;
        } else if (op[k].kind != MI_O_OBJ || op[k].ref >= t->nobjs ||
                   plan_area(&l->objs[op[k].ref]) == MI_NONE) {
            return 0;
        }
    }
    memset(pl, 0, sizeof *pl);
    pl->nargs = in->nopnds - 1u;
    pl->sarea = sarea;
    pl->soff = (uint32_t)l->objs[op[0].ref].offset;
    for (uint32_t k = 0; k < pl->nargs; k++) {
        const mi_operand *a = &op[1 + k];
        /* what the interpreter's to_arg and translated code's ARG pass for a plain
         * operand: its bytes, its type, a whole array's DIM; a constant is copied */
        if (a->kind == MI_O_CONST) {
            const mi_const *kc = &t->consts[a->ref];
            pl->arg[k].area = MI_AREA_CONST;
            pl->arg[k].off = kc->offset;
            pl->arg[k].type = kc->type;
            pl->arg[k].dim = 0;
            pl->arg[k].cn = mi_type_bytes(&kc->type);
            pl->constbytes += (pl->arg[k].cn + 15u) & ~15u;
            pl->nconst++;
        } else {
            const mi_object *o = &t->objs[a->ref];
            pl->arg[k].area = plan_area(&l->objs[a->ref]);
            pl->arg[k].off = (uint32_t)l->objs[a->ref].offset;
            pl->arg[k].type = o->type;
            pl->arg[k].dim = o->dim;
            pl->arg[k].cn = MI_NONE;
        }
    }
    return 1;
}

int mi_machine_callx_site(const mi_template *t, const mi_layout *l, uint32_t insn) {
    mi_callplan pl;
    return mi_callplan_build(t, l, insn, &pl);
}

/* The plans of a native program, one per CALLX instruction in order (nargs MI_NONE
 * where the site has none: its code calls rt->callx). -1 if the host has no memory. */
static int native_plans(mi_program *p) {
    const mi_template *t = p->tmpl;
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->ninsns; i++) n += t->insns[i].op == MI_OP_CALLX;
    mi_callplan *pl = calloc(n ? n : 1, sizeof *pl);
    if (pl == NULL) return -1;
    for (uint32_t i = 0, j = 0; i < t->ninsns; i++) {
        if (t->insns[i].op != MI_OP_CALLX) continue;
        if (!mi_callplan_build(t, &p->layout, i, &pl[j])) pl[j].nargs = MI_NONE;
        j++;
    }
    p->plans = pl;
    p->nplans = n;
    return 0;
}

/* First call of a program in the run: create and initialise its STATIC storage,
 * its AUTO image, and (when interpreted) its pre-decoded code. */
mi_exc mi_machine_program_ready(mi_runctx *run, mi_program *p) {
    if (p->static_area != NULL) return MI_EXC_NONE;
    uint64_t ss = p->layout.static_size, as = p->layout.auto_size;
    uint64_t is = as <= AUTO_IMAGE_MAX ? as : 0;
    if (ss > storage_left(run) || is > storage_left(run) - ss) return MI_EXC_MIE0008;
    uint8_t *sa = malloc(ss ? ss : 1), *ai = NULL;
    if (sa == NULL) return MI_EXC_MIE0008;
    mi_exc e = init_area(p, MI_AREA_STATIC, sa, ss);
    if (e == MI_EXC_NONE && as <= AUTO_IMAGE_MAX) {
        /* rounded up to 16 and zero-padded, so that a small image is copied in whole
         * 16-byte pieces (mc_enter) */
        uint64_t ias = (as + 15u) & ~(uint64_t)15u;
        ai = malloc(ias ? ias : 1);
        e = ai == NULL ? MI_EXC_MIE0008 : init_area(p, MI_AREA_AUTO, ai, as);
        if (ai != NULL) memset(ai + as, 0, ias - as);
    }
    if (e == MI_EXC_NONE && p->native == NULL && p->icode == NULL && mi_interp_prepare(p, NULL) != MI_OK)
        e = MI_EXC_MIE0008;
    if (e == MI_EXC_NONE && p->native != NULL && p->plans == NULL && native_plans(p) != 0)
        e = MI_EXC_MIE0008;
    if (e != MI_EXC_NONE) {
        free(sa);
        free(ai);
        return e;
    }
    p->static_area = sa;
    p->auto_image = ai;
    p->auto16 = (as + 15u) & ~(uint64_t)15u;
    p->frame_bytes = p->auto16 + (((uint64_t)(MI_AREA_PARM + p->layout.nparms) * sizeof(uint8_t *) + 15u) &
                                  ~(uint64_t)15u);
    run->storage_used += ss + is;
    return MI_EXC_NONE;
}

/* ---- the AUTO stack (machine_call.h) -------------------------------------- */

static void achunks_free(mi_achunk *c) {
    while (c != NULL) {
        mi_achunk *n = c->next;
        free(c);
        c = n;
    }
}

/* n (a multiple of 16) bytes in the next chunk: the spare if it is big enough,
 * else a new chunk. NULL if the host has no memory. */
uint8_t *mi_machine_astack_grow(mi_runctx *run, uint64_t n) {
    mi_achunk **link = run->achunk != NULL ? &run->achunk->next : &run->ahead;
    mi_achunk *c = *link;
    if (c != NULL && c->size < n) {
        achunks_free(c);
        *link = c = NULL;
    }
    if (c == NULL) {
        uint64_t size = n > ACHUNK_SIZE ? n : ACHUNK_SIZE;
        if (size > SIZE_MAX - ACHUNK_HDR) return NULL;
        c = malloc((size_t)(ACHUNK_HDR + size));
        if (c == NULL) return NULL;
        c->next = NULL;
        c->size = (size_t)size;
        *link = c;
        apoison(achunk_data(c), c->size);
    }
    run->achunk = c;
    run->atop = (size_t)n;
    aunpoison(achunk_data(c), (size_t)n);
    return achunk_data(c);
}

/* Leaving chunk c for the one before it: keep one spare of the standard size (so a
 * call at a chunk boundary does not allocate each time), free the others. */
void mi_machine_astack_trim(mi_runctx *run) {
    mi_achunk **link = run->achunk != NULL ? &run->achunk->next : &run->ahead;
    mi_achunk *c = *link;
    if (c == NULL) return;
    if (c->size == ACHUNK_SIZE) {
        apoison(achunk_data(c), c->size); /* the spare kept: all of it free */
        link = &c->next;
    }
    achunks_free(*link);
    *link = NULL;
}

/* ---- invocations (§9) ----------------------------------------------------- */

static inline int type_same(const mi_type *a, const mi_type *b) {
    return a->kind == b->kind && a->size == b->size && a->scale == b->scale && a->len == b->len;
}

static int args_match(const mi_program *p, uint32_t nargs, const mi_arg *args) {
    const mi_layout *l = &p->layout;
    const mi_template *t = p->tmpl;
    if (nargs != l->nparms) return 0;
    for (uint32_t k = 0; k < nargs; k++) {
        const mi_object *o = &t->objs[l->parm_obj[k]];
        if (!type_same(&args[k].type, &o->type) || args[k].dim != o->dim) return 0;
    }
    return 1;
}

mi_exc mi_machine_init_auto(const mi_program *p, uint8_t *buf) {
    return init_area(p, MI_AREA_AUTO, buf, p->layout.auto_size);
}

int mi_machine_bad_entry(mi_runctx *run, mi_program *p) {
    set_pending(run, MI_EXC_MIE0008, p, MI_NONE);
    return MI_X_PERCOLATE;
}

/* Creates an invocation of p with the given arguments and executes it. int
 * convention of mi_machine_callx; an exception > 0 is raised in the caller. */
static int invoke(mi_runctx *run, mi_invocation *caller, mi_program *p, uint32_t nargs,
                  const mi_arg *args) {
    if (!args_match(p, nargs, args)) return MI_EXC_MCH0802;
    uint64_t constbytes = 0;
    for (uint32_t k = 0; k < nargs; k++)
        if (args[k].is_const) constbytes += (mi_type_bytes(&args[k].type) + 15u) & ~15u;
    mi_invocation callee;
    mc_frame f;
    int rc = mc_enter(run, caller, p, constbytes, &f);
    if (rc != 0) return rc;
    uint8_t *copies = f.copies;
    for (uint32_t k = 0; k < nargs; k++) {
        if (args[k].is_const) {
            uint32_t n = mi_type_bytes(&args[k].type);
            memcpy(copies, args[k].p, n);
            f.base[MI_AREA_PARM + k] = copies;
            copies += (n + 15u) & ~15u;
        } else {
            f.base[MI_AREA_PARM + k] = args[k].p;
        }
    }
    return mc_run(run, caller, p, &f, &callee);
}

/* The plan's arguments against p's PARMs: args_match on the plan's fixed types. */
int mi_machine_plan_match(const mi_program *p, const mi_callplan *c) {
    const mi_layout *l = &p->layout;
    if (c->nargs != l->nparms) return 0;
    for (uint32_t k = 0; k < c->nargs; k++) {
        const mi_object *o = &p->tmpl->objs[l->parm_obj[k]];
        if (!type_same(&c->arg[k].type, &o->type) || c->arg[k].dim != o->dim) return 0;
    }
    return 1;
}

/* Translated code's CALLX (rt->callxp): the call sequence inline, so that a call
 * costs one host function between the caller's code and the callee's. */
int mi_machine_callxp(mi_invocation *inv, uint32_t site) {
    mi_program *p = inv->prog;
    /* generated code passes only sites that have a plan; anything else is a broken
     * image, refused as an invalid instruction would be */
    if (site >= p->nplans || p->plans[site].nargs == MI_NONE) return MI_EXC_MIE0004;
    return mc_callx_plan(inv, &p->plans[site]);
}

int mi_machine_callx(mi_invocation *inv, uint32_t insn, const mi_sysptr *s, uint32_t nargs,
                     const mi_arg *args) {
    (void)insn;
    if (s->prog == NULL) return MI_EXC_MCH3601;
    return invoke(inv->run, inv, s->prog, nargs, args);
}

/* ---- programs (§9, §12) --------------------------------------------------- */

static void program_free(mi_runctx *run, mi_program *p) {
    if (p->native_data != NULL && run->hook != NULL && run->hook->release != NULL)
        run->hook->release(run->hook->ctx, p->native_data);
    mi_interp_free(p->icode);
    free(p->plans);
    free(p->static_area);
    free(p->auto_image);
    mi_layout_free(&p->layout);
    mi_template_free(&p->owned);
    free(p->name);
    free(p);
}

static mi_program *program_new(const char *name, size_t n) {
    mi_program *p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    p->name = malloc(n + 1);
    if (p->name == NULL) {
        free(p);
        return NULL;
    }
    memcpy(p->name, name, n);
    p->name[n] = '\0';
    mi_template_init(&p->owned);
    mi_layout_init(&p->layout);
    return p;
}

/* Layout and exec hook for a program whose template is in place. */
static mi_status program_attach(mi_runctx *run, mi_program *p, const uint8_t *bytes, size_t n,
                                mi_diag *d) {
    mi_status st = mi_layout_build(p->tmpl, &p->layout, d);
    if (st != MI_OK) return st;
    if (run->hook != NULL && run->hook->prepare != NULL) {
        uint8_t *enc = NULL;
        if (bytes == NULL) {
            st = mi_template_encode(p->tmpl, &enc, &n, d);
            if (st != MI_OK) return st;
            bytes = enc;
        }
        st = run->hook->prepare(run->hook->ctx, p->tmpl, bytes, n, p->name, &p->native,
                                &p->native_data, d);
        free(enc);
        if (st != MI_OK) return st;
    }
    return MI_OK;
}

static int valid_name(const char *s, size_t n) {
    if (n == 0 || n > MI_MAX_NAME || (s[0] >= '0' && s[0] <= '9')) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '$' || c == '#' || c == '@'))
            return 0;
    }
    return 1;
}

mi_exc mi_machine_rslvsp(mi_invocation *inv, mi_sysptr *r, const uint8_t *name, uint32_t n) {
    mi_runctx *run = inv->run;
    while (n > 0 && name[n - 1] == ' ') n--;
    const char *s = (const char *)name;
    if (!valid_name(s, n)) return MI_EXC_MCH3401;
    for (mi_program *p = run->progs; p != NULL; p = p->next) {
        int fold = run->resolver != NULL && run->resolver->fold_case;
        if (strlen(p->name) == n &&
            (fold ? strncasecmp(p->name, s, n) == 0 : memcmp(p->name, s, n) == 0)) {
            r->prog = p;
            return MI_EXC_NONE;
        }
    }
    if (run->resolver == NULL || run->resolver->find == NULL) return MI_EXC_MCH3401;
    char cname[MI_MAX_NAME + 1];
    memcpy(cname, s, n);
    cname[n] = '\0';
    uint8_t *bytes = NULL;
    size_t nbytes = 0;
    run->detail.msg[0] = '\0';
    mi_status st = run->resolver->find(run->resolver->ctx, cname, &bytes, &nbytes, &run->detail);
    if (st == MI_E_NOTFOUND) {
        free(bytes);
        return MI_EXC_MCH3401;
    }
    if (st != MI_OK) {
        free(bytes);
        if (st == MI_E_NOMEM) return MI_EXC_MIE0008; /* §18: host memory, not a bad program */
        if (run->detail.msg[0] == '\0')
            mi_diag_set(&run->detail, st, "program %s: %s", cname, mi_status_text(st));
        return MI_EXC_MIE0007;
    }
    mi_program *p = program_new(cname, n);
    if (p == NULL) {
        free(bytes);
        return MI_EXC_MIE0008;
    }
    p->tmpl = &p->owned;
    st = mi_template_load(bytes, nbytes, &p->owned, &run->detail);
    if (st == MI_OK) st = program_attach(run, p, bytes, nbytes, &run->detail);
    free(bytes);
    if (st != MI_OK) {
        program_free(run, p);
        return st == MI_E_NOMEM ? MI_EXC_MIE0008 : MI_EXC_MIE0007;
    }
    p->next = run->progs;
    run->progs = p;
    r->prog = p;
    return MI_EXC_NONE;
}

/* ---- spaces (§5) ---------------------------------------------------------- */

mi_exc mi_machine_crts(mi_invocation *inv, mi_spcptr *r, int64_t size, int64_t max) {
    mi_runctx *run = inv->run;
    if (size < 0 || max < 0 || size > max || max > INT32_MAX) return MI_EXC_MCH0603;
    if ((uint64_t)size > run->max_space - run->space_used) return MI_EXC_MCH2804;
    mi_space *s = calloc(1, sizeof *s);
    if (s == NULL) return MI_EXC_MIE0008;
    if (max <= (int64_t)SMALL_SPACE) {
        uint64_t charge = (uint64_t)max + sizeof *s;
        if (charge > storage_left(run) || (s->bytes = calloc(max ? (size_t)max : 1, 1)) == NULL) {
            free(s);
            return MI_EXC_MIE0008;
        }
        s->reserved = (size_t)max;
        run->storage_used += charge;
    } else {
        long pg = sysconf(_SC_PAGESIZE);
        uint64_t page = pg > 0 ? (uint64_t)pg : 4096u;
        uint64_t len = ((uint64_t)max + page - 1) / page * page;
        if (len > MAX_RESERVE - run->reserve_used) {
            free(s);
            return MI_EXC_MIE0008;
        }
        void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (m == MAP_FAILED) {
            free(s);
            return MI_EXC_MIE0008;
        }
        s->bytes = m;
        s->mapped = 1;
        s->reserved = (size_t)len;
        run->reserve_used += len;
        run->storage_used += sizeof *s;
    }
    s->size = s->hwm = (uint32_t)size;
    s->max = (uint32_t)max;
    s->next = run->spaces;
    run->spaces = s;
    run->space_used += (uint64_t)size;
    r->space = s;
    r->off = 0;
    return MI_EXC_NONE;
}

mi_exc mi_machine_addspp(mi_spcptr *r, const mi_spcptr *a, int64_t delta) {
    if (a->space == NULL) return MI_EXC_MCH3601;
    int64_t off;
    if (__builtin_add_overflow((int64_t)a->off, delta, &off) || off < 0 || off > (int64_t)a->space->size)
        return MI_EXC_MCH0601;
    r->space = a->space;
    r->off = (uint64_t)off;
    return MI_EXC_NONE;
}

mi_exc mi_machine_subspp(int64_t *r, const mi_spcptr *a, const mi_spcptr *b) {
    if (a->space == NULL || b->space == NULL) return MI_EXC_MCH3601;
    if (a->space != b->space) return MI_EXC_MCH0601;
    *r = (int64_t)a->off - (int64_t)b->off;
    return MI_EXC_NONE;
}

mi_exc mi_machine_cpyp(mi_spcptr *r, const mi_spcptr *a) {
    if (a->space == NULL) return MI_EXC_MCH3601;
    *r = *a;
    return MI_EXC_NONE;
}

mi_exc mi_machine_setspsz(mi_invocation *inv, const mi_spcptr *a, int64_t size) {
    mi_runctx *run = inv->run;
    if (a->space == NULL) return MI_EXC_MCH3601;
    mi_space *s = a->space;
    if (size < 0) return MI_EXC_MCH0603;
    if (size > (int64_t)s->max) return MI_EXC_MCH2804;
    uint32_t n = (uint32_t)size;
    if (n > s->size) {
        if ((uint64_t)(n - s->size) > run->max_space - run->space_used) return MI_EXC_MCH2804;
        /* Bytes past hwm were never written (and are still zero). */
        uint32_t dirty = n < s->hwm ? n : s->hwm;
        if (dirty > s->size) memset(s->bytes + s->size, 0, dirty - s->size);
        if (n > s->hwm) s->hwm = n;
        run->space_used += n - s->size;
    } else {
        run->space_used -= s->size - n;
    }
    s->size = n;
    return MI_EXC_NONE;
}

mi_exc mi_machine_spsz(int64_t *r, const mi_spcptr *a) {
    if (a->space == NULL) return MI_EXC_MCH3601;
    *r = a->space->size;
    return MI_EXC_NONE;
}

/* ---- the run ---------------------------------------------------------------- */

const mi_rt_table mi_rt = {
    MI_RT_VERSION, sizeof(mi_rt_table),
    mi_machine_raise, mi_machine_signal, mi_machine_rtvexc, mi_machine_callx,
    mi_machine_rslvsp, mi_machine_svc, mi_machine_crts, mi_machine_addspp,
    mi_machine_subspp, mi_machine_cpyp, mi_machine_setspsz, mi_machine_spsz,
    mi_sem_arith, mi_sem_unary, mi_sem_bitwise, mi_sem_cmpn, mi_sem_cond,
    mi_sem_load_int, mi_sem_store_int, mi_sem_cpybla, mi_sem_cpyblap, mi_sem_cat,
    mi_sem_scan, mi_sem_trimlen, mi_sem_cmpc, mi_sem_cvtnc, mi_sem_cvtcn, mi_sem_edit,
    mi_machine_callxp, mi_sem_pkd_put, mi_sem_pkd_getv, mi_sem_pkd_setv, mi_sem_pkd_addv,
    mi_sem_pkd_scale, mi_interp_exec_one,
};

typedef struct run_job {
    mi_runctx *run;
    const mi_template *main;
    const char *name;
    mi_run_result *res;
    mi_status st;
} run_job;

static void fill_exception(mi_runctx *run, mi_run_result *res) {
    const mi_excinfo *x = &run->pending;
    memcpy(res->exc_id, x->id, sizeof res->exc_id);
    res->exc_user = x->code == MI_EXC_USER;
    const char *pname = x->prog != NULL ? x->prog->name : "";
    snprintf(res->exc_program, sizeof res->exc_program, "%s", pname);
    if (x->prog != NULL && x->insn != MI_NONE && x->insn < x->prog->tmpl->ninsns) {
        res->exc_insn = x->insn + 1;
        res->exc_line = x->prog->tmpl->insns[x->insn].line;
    }
    res->exc_ndata = x->ndata;
    memcpy(res->exc_data, x->data, x->ndata);
    if (res->exc_user) {
        /* §10.6: up to the first NUL, trailing blanks removed, control bytes as '?'
         * so that the report stays one line whatever a program signals */
        const uint8_t *nul = memchr(x->data, 0, x->ndata);
        uint32_t n = nul != NULL ? (uint32_t)(nul - x->data) : x->ndata;
        while (n > 0 && x->data[n - 1] == ' ') n--;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t c = x->data[i];
            res->exc_message[i] = (char)(c < 0x20 || c == 0x7F ? '?' : c);
        }
        res->exc_message[n] = '\0';
    } else {
        snprintf(res->exc_message, sizeof res->exc_message, "%s",
                 (unsigned)x->code < MI_EXC_COUNT ? mi_exc_msgs[x->code] : "");
    }
    if (x->code == MI_EXC_MIE0007 && run->detail.msg[0] != '\0') res->diag = run->detail;
}

static mi_status run_main(mi_runctx *run, const mi_template *main, const char *name,
                          mi_run_result *res) {
    mi_program *p = program_new(name, strlen(name));
    if (p == NULL) return mi_diag_set(&res->diag, MI_E_NOMEM, "out of memory");
    p->tmpl = main;
    run->progs = p;
    mi_status st = program_attach(run, p, NULL, 0, &res->diag);
    if (st != MI_OK) return st;
    int rc = invoke(run, NULL, p, 0, NULL);
    if (rc > 0) {
        set_pending(run, (mi_exc)rc, p, MI_NONE);
        rc = MI_X_PERCOLATE;
    }
    if (rc == MI_X_EXIT) res->exit_status = run->exit_status;
    if (rc == MI_X_PERCOLATE) {
        fill_exception(run, res);
        return MI_E_EXCEPTION;
    }
    return MI_OK;
}

static void *run_thread(void *arg) {
    run_job *job = arg;
    size_t size = job->run->stack_size, margin = size / 8 < STACK_MARGIN ? size / 8 : STACK_MARGIN;
    /* 0: no guard (mc_enter compares with it unconditionally) */
    job->run->stack_lo = size != 0 ? (uintptr_t)__builtin_frame_address(0) - size + margin : 0;
    job->st = run_main(job->run, job->main, job->name, job->res);
    return NULL;
}

static void run_free(mi_runctx *run) {
    achunks_free(run->ahead);
    run->ahead = run->achunk = NULL;
    while (run->progs != NULL) {
        mi_program *p = run->progs;
        run->progs = p->next;
        program_free(run, p);
    }
    while (run->spaces != NULL) {
        mi_space *s = run->spaces;
        run->spaces = s->next;
        if (s->mapped) munmap(s->bytes, s->reserved);
        else free(s->bytes);
        free(s);
    }
}

mi_status mi_run(const mi_template *main, const char *name, const mi_run_opts *opts,
                 mi_run_result *res) {
    memset(res, 0, sizeof *res);
    mi_run_opts defaults;
    if (opts == NULL) {
        mi_run_opts_init(&defaults);
        opts = &defaults;
    }
    if (main == NULL || name == NULL || opts->argc < 0 || (opts->argc > 0 && opts->argv == NULL))
        return mi_diag_set(&res->diag, MI_E_ARG, "mi_run: invalid argument");
    mi_status st = mi_template_verify(main, &res->diag);
    if (st != MI_OK) return st;

    mi_runctx run;
    memset(&run, 0, sizeof run);
    run.in = opts->in != NULL ? opts->in : stdin;
    run.out = opts->out != NULL ? opts->out : stdout;
    run.err = opts->err != NULL ? opts->err : stderr;
    run.argc = opts->argc;
    run.argv = opts->argv;
    run.max_space = opts->max_space != 0 ? opts->max_space : MI_DEFAULT_MAX_SPACE;
    run.max_storage = opts->max_storage != 0 ? opts->max_storage : MI_DEFAULT_MAX_STORAGE;
    if (run.max_storage > STORAGE_CEILING) run.max_storage = STORAGE_CEILING;
    run.max_depth = opts->max_depth != 0 ? opts->max_depth : MI_DEFAULT_MAX_DEPTH;
    run.resolver = opts->resolver;
    run.hook = opts->hook;
    run.stack_size = opts->stack_size != 0 ? opts->stack_size : MI_DEFAULT_STACK;

    run_job job = {&run, main, name, res, MI_OK};
    pthread_attr_t attr;
    pthread_t th;
    if (pthread_attr_init(&attr) != 0)
        return mi_diag_set(&res->diag, MI_E_NOMEM, "cannot create the run thread");
    int err = pthread_attr_setstacksize(&attr, run.stack_size);
    if (err == 0) err = pthread_create(&th, &attr, run_thread, &job);
    pthread_attr_destroy(&attr);
    if (err != 0)
        return mi_diag_set(&res->diag, MI_E_NOMEM, "cannot create the run thread (stack of %zu bytes): %s",
                           run.stack_size, strerror(err));
    pthread_join(th, NULL);
    run_free(&run);
    if (fflush(run.out) != 0) res->output_error = 1;
    if (fflush(run.err) != 0) res->output_error = 1;
    return job.st;
}

void mi_run_result_format(const mi_run_result *res, char *buf, size_t n) {
    snprintf(buf, n, "unhandled exception %s in program %s at instruction %u (line %u): %s",
             res->exc_id, res->exc_program, res->exc_insn, res->exc_line, res->exc_message);
}
