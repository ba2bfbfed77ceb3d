/* Native image checks and the PT_GNU_STACK patch (see mi_elf.h). The image is
 * untrusted: every field is read with memcpy from a bounds-checked offset and
 * all arithmetic on file values is done in uint64_t with explicit overflow
 * checks, so arbitrary bytes can only produce a rejection. */
#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_elf.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_R_NONE R_X86_64_NONE
#define HOST_R_RELATIVE R_X86_64_RELATIVE
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_R_NONE R_AARCH64_NONE
#define HOST_R_RELATIVE R_AARCH64_RELATIVE
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_MACHINE EM_RISCV
#define HOST_R_NONE R_RISCV_NONE
#define HOST_R_RELATIVE R_RISCV_RELATIVE
#else
#define HOST_MACHINE EM_NONE
#define HOST_R_NONE 0
#define HOST_R_RELATIVE 0
#endif

#define MAX_PHNUM 64u
#define MAX_LOADS 16u
#define MAX_SPAN (1ull << 30)   /* address space one image may reserve */
#define MAX_VADDR (1ull << 40)  /* keeps every later sum far from overflowing */
#define MAX_GRANULE 0x10000ull  /* largest page size we load on (arm64 64K) */
#define PHDR_ALIGN 0x10000ull   /* p_align of the PT_LOAD we add for the headers */

typedef struct img {
    const uint8_t *p;
    uint64_t n;
    Elf64_Ehdr eh;
    Elf64_Phdr ph[MAX_PHNUM];
    unsigned phnum;
    unsigned load[MAX_LOADS]; /* indices of PT_LOAD entries, in table order */
    unsigned nload;
    int dyn, stack, phdr;     /* index of that entry, -1 if absent */
    mi_diag *d;
} img;

static mi_status bad(img *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static mi_status bad(img *m, const char *fmt, ...) {
    if (m->d) {
        int k = snprintf(m->d->msg, sizeof m->d->msg, "native image: ");
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(m->d->msg + k, sizeof m->d->msg - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return MI_E_IMAGE;
}

static bool in_file(const img *m, uint64_t off, uint64_t len) {
    return off <= m->n && len <= m->n - off;
}

static bool add_ok(uint64_t a, uint64_t b, uint64_t *r) {
    return !__builtin_add_overflow(a, b, r);
}

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

/* File offset of [vaddr, vaddr+len) if it lies in the file-backed part of one
 * PT_LOAD; the result is then inside the image. */
static bool map_file(const img *m, uint64_t vaddr, uint64_t len, uint64_t *off) {
    for (unsigned i = 0; i < m->nload; i++) {
        const Elf64_Phdr *ph = &m->ph[m->load[i]];
        uint64_t end;
        if (vaddr < ph->p_vaddr || !add_ok(vaddr, len, &end) || end > ph->p_vaddr + ph->p_filesz)
            continue;
        *off = ph->p_offset + (vaddr - ph->p_vaddr);
        return true;
    }
    return false;
}

/* [vaddr, vaddr+len) lies inside the memory image of one PT_LOAD having all the
 * p_flags bits in need. */
static bool in_memory(const img *m, uint64_t vaddr, uint64_t len, uint32_t need) {
    for (unsigned i = 0; i < m->nload; i++) {
        const Elf64_Phdr *ph = &m->ph[m->load[i]];
        uint64_t end;
        if ((ph->p_flags & need) != need || vaddr < ph->p_vaddr || !add_ok(vaddr, len, &end))
            continue;
        if (end <= ph->p_vaddr + ph->p_memsz)
            return true;
    }
    return false;
}

static mi_status check_ehdr(img *m) {
    if (HOST_MACHINE == EM_NONE || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__) {
        if (m->d)
            mi_diag_set(m->d, MI_E_UNSUPPORTED, "native images are not supported on this host");
        return MI_E_UNSUPPORTED;
    }
    if (m->n < sizeof m->eh)
        return bad(m, "%llu bytes, too short for an ELF header", (unsigned long long)m->n);
    if (m->n > MI_ELF_MAX_IMAGE)
        return bad(m, "%llu bytes, larger than the limit of %u", (unsigned long long)m->n,
                   MI_ELF_MAX_IMAGE);
    memcpy(&m->eh, m->p, sizeof m->eh);
    const Elf64_Ehdr *e = &m->eh;
    if (memcmp(e->e_ident, ELFMAG, SELFMAG) != 0)
        return bad(m, "not an ELF file");
    if (e->e_ident[EI_CLASS] != ELFCLASS64 || e->e_ident[EI_DATA] != ELFDATA2LSB)
        return bad(m, "not ELF64 little-endian");
    if (e->e_ident[EI_VERSION] != EV_CURRENT || e->e_version != EV_CURRENT)
        return bad(m, "unknown ELF version");
    if (e->e_ident[EI_OSABI] != ELFOSABI_SYSV && e->e_ident[EI_OSABI] != ELFOSABI_GNU)
        return bad(m, "OS ABI %u is not System V or GNU", e->e_ident[EI_OSABI]);
    if (e->e_type != ET_DYN)
        return bad(m, "ELF type %u is not a shared object", e->e_type);
    if (e->e_machine != HOST_MACHINE)
        return bad(m, "made for machine %u, this host is machine %u", e->e_machine, HOST_MACHINE);
    if (e->e_ehsize != sizeof(Elf64_Ehdr) || e->e_phentsize != sizeof(Elf64_Phdr))
        return bad(m, "unexpected ELF or program header size");
    if (e->e_phnum == 0 || e->e_phnum > MAX_PHNUM)
        return bad(m, "%u program headers (1 to %u accepted)", e->e_phnum, MAX_PHNUM);
    if (e->e_phoff % 8 != 0 || !in_file(m, e->e_phoff, (uint64_t)e->e_phnum * sizeof(Elf64_Phdr)))
        return bad(m, "program header table outside the image");
    m->phnum = e->e_phnum;
    memcpy(m->ph, m->p + e->e_phoff, m->phnum * sizeof(Elf64_Phdr));
    return MI_OK;
}

static mi_status check_loads(img *m) {
    uint64_t first = 0, prev_end = 0;
    for (unsigned k = 0; k < m->nload; k++) {
        const Elf64_Phdr *ph = &m->ph[m->load[k]];
        uint64_t end, a = ph->p_align;
        if (!in_file(m, ph->p_offset, ph->p_filesz))
            return bad(m, "segment %u lies outside the image", m->load[k]);
        if (ph->p_filesz > ph->p_memsz || ph->p_memsz > MAX_SPAN ||
            !add_ok(ph->p_vaddr, ph->p_memsz, &end) || end > MAX_VADDR)
            return bad(m, "segment %u has inconsistent sizes", m->load[k]);
        if (a < 4096 || a > MAX_SPAN || (a & (a - 1)) != 0 || (ph->p_vaddr - ph->p_offset) % a != 0)
            return bad(m, "segment %u is misaligned", m->load[k]);
        if ((ph->p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
            return bad(m, "segment %u is both writable and executable", m->load[k]);
        if (ph->p_flags & ~(uint32_t)(PF_R | PF_W | PF_X))
            return bad(m, "segment %u has unknown flags", m->load[k]);
        uint64_t g = a < MAX_GRANULE ? a : MAX_GRANULE;
        if (k == 0) {
            first = align_down(ph->p_vaddr, g);
        } else if (align_down(ph->p_vaddr, g) < align_up(prev_end, g)) {
            return bad(m, "segment %u overlaps the one before it or is out of order", m->load[k]);
        }
        prev_end = end;
        if (prev_end - first > MAX_SPAN)
            return bad(m, "segments span more than %llu bytes", MAX_SPAN);
    }
    return MI_OK;
}

static mi_status check_phdrs(img *m) {
    m->nload = 0;
    m->dyn = m->stack = m->phdr = -1;
    for (unsigned i = 0; i < m->phnum; i++) {
        const Elf64_Phdr *ph = &m->ph[i];
        switch (ph->p_type) {
        case PT_LOAD:
            if (m->nload == MAX_LOADS)
                return bad(m, "more than %u loadable segments", MAX_LOADS);
            m->load[m->nload++] = i;
            break;
        case PT_DYNAMIC:
            if (m->dyn >= 0)
                return bad(m, "two PT_DYNAMIC entries");
            m->dyn = (int)i;
            break;
        case PT_GNU_STACK:
            if (m->stack >= 0)
                return bad(m, "two PT_GNU_STACK entries");
            if (ph->p_flags & PF_X)
                return bad(m, "PT_GNU_STACK asks for an executable stack");
            m->stack = (int)i;
            break;
        case PT_PHDR:
            if (m->phdr >= 0)
                return bad(m, "two PT_PHDR entries");
            m->phdr = (int)i;
            break;
        case PT_NULL: case PT_NOTE: case PT_GNU_RELRO: case PT_GNU_EH_FRAME: case PT_GNU_PROPERTY:
            break;
        default:
            return bad(m, "program header %u has unsupported type 0x%x", i, ph->p_type);
        }
    }
    if (m->nload == 0)
        return bad(m, "no loadable segment");
    mi_status st = check_loads(m);
    if (st != MI_OK)
        return st;
    /* Segments the loader or an unwinder reads in memory must be mapped. */
    for (unsigned i = 0; i < m->phnum; i++) {
        const Elf64_Phdr *ph = &m->ph[i];
        if (ph->p_type == PT_LOAD || ph->p_type == PT_NULL || ph->p_type == PT_GNU_STACK)
            continue;
        uint64_t off;
        if (!in_file(m, ph->p_offset, ph->p_filesz) || ph->p_filesz > ph->p_memsz ||
            !in_memory(m, ph->p_vaddr, ph->p_memsz, 0) || !map_file(m, ph->p_vaddr, ph->p_filesz, &off) ||
            off != ph->p_offset)
            return bad(m, "program header %u (type 0x%x) does not lie inside a loadable segment", i,
                       ph->p_type);
    }
    if (m->phdr >= 0) {
        const Elf64_Phdr *ph = &m->ph[m->phdr];
        if (ph->p_offset != m->eh.e_phoff || ph->p_filesz != m->phnum * sizeof(Elf64_Phdr))
            return bad(m, "PT_PHDR does not describe the program header table");
    }
    if (m->dyn < 0)
        return bad(m, "no PT_DYNAMIC");
    const Elf64_Phdr *dy = &m->ph[m->dyn];
    /* glibc adjusts dynamic entries in place: they must be writable, from the file. */
    if (dy->p_filesz < sizeof(Elf64_Dyn) || dy->p_filesz % sizeof(Elf64_Dyn) != 0 ||
        !in_memory(m, dy->p_vaddr, dy->p_filesz, PF_W))
        return bad(m, "PT_DYNAMIC is empty, misaligned or not writable");
    return MI_OK;
}

/* What the dynamic section says. */
typedef struct dyninfo {
    uint64_t val[DT_NUM];
    bool has[DT_NUM];
    uint64_t needed_name; /* first DT_NEEDED's string offset */
    bool needed;
} dyninfo;

static const char *str_at(const img *m, uint64_t strtab, uint64_t strsz, uint64_t idx) {
    if (idx >= strsz)
        return NULL;
    const char *s = (const char *)m->p + strtab + idx;
    return memchr(s, 0, strsz - idx) ? s : NULL;
}

static mi_status read_dynamic(img *m, dyninfo *di) {
    const Elf64_Phdr *dy = &m->ph[m->dyn];
    uint64_t count = dy->p_filesz / sizeof(Elf64_Dyn);
    bool end = false;
    memset(di, 0, sizeof *di);
    for (uint64_t i = 0; i < count && !end; i++) {
        Elf64_Dyn e;
        memcpy(&e, m->p + dy->p_offset + i * sizeof e, sizeof e);
        uint64_t v = e.d_un.d_val;
        switch (e.d_tag) {
        case DT_NULL:
            end = true;
            continue;
        case DT_NEEDED:
            if (!di->needed)
                di->needed_name = v;
            di->needed = true;
            continue;
        case DT_TEXTREL:
            return bad(m, "has text relocations (DT_TEXTREL)");
        case DT_INIT: case DT_FINI:
            return bad(m, "has an initialisation or finalisation function");
        case DT_FLAGS:
            if (v & DF_TEXTREL)
                return bad(m, "has text relocations (DF_TEXTREL)");
            if (v & ~(uint64_t)(DF_BIND_NOW | DF_SYMBOLIC))
                return bad(m, "unsupported DT_FLAGS 0x%llx", (unsigned long long)v);
            break;
        case DT_HASH: case DT_STRTAB: case DT_SYMTAB: case DT_STRSZ: case DT_SYMENT:
        case DT_RELA: case DT_RELASZ: case DT_RELAENT: case DT_JMPREL: case DT_PLTRELSZ:
        case DT_PLTREL: case DT_PLTGOT: case DT_SONAME: case DT_DEBUG: case DT_BIND_NOW:
        case DT_SYMBOLIC: case DT_INIT_ARRAY: case DT_FINI_ARRAY: case DT_INIT_ARRAYSZ:
        case DT_FINI_ARRAYSZ: case DT_PREINIT_ARRAY: case DT_PREINIT_ARRAYSZ:
            break;
        case DT_FLAGS_1:
            if (v & ~(uint64_t)DF_1_NOW)
                return bad(m, "unsupported DT_FLAGS_1 0x%llx", (unsigned long long)v);
            continue;
        case DT_RELACOUNT:
            continue;
        case DT_GNU_HASH:
            return bad(m, "has DT_GNU_HASH; only a SysV DT_HASH is accepted");
        default:
            return bad(m, "unsupported dynamic tag 0x%llx", (unsigned long long)e.d_tag);
        }
        if (di->has[e.d_tag])
            return bad(m, "dynamic tag %lld appears twice", (long long)e.d_tag);
        di->has[e.d_tag] = true;
        di->val[e.d_tag] = v;
    }
    if (!end)
        return bad(m, "dynamic section has no DT_NULL");
    if ((di->has[DT_INIT_ARRAYSZ] && di->val[DT_INIT_ARRAYSZ] != 0) ||
        (di->has[DT_FINI_ARRAYSZ] && di->val[DT_FINI_ARRAYSZ] != 0) ||
        (di->has[DT_PREINIT_ARRAYSZ] && di->val[DT_PREINIT_ARRAYSZ] != 0) ||
        (di->has[DT_INIT_ARRAY] && !di->has[DT_INIT_ARRAYSZ]) ||
        (di->has[DT_FINI_ARRAY] && !di->has[DT_FINI_ARRAYSZ]) ||
        (di->has[DT_PREINIT_ARRAY] && !di->has[DT_PREINIT_ARRAYSZ]))
        return bad(m, "has initialisation or finalisation functions");
    if (!di->has[DT_HASH] || !di->has[DT_STRTAB] || !di->has[DT_SYMTAB] || !di->has[DT_STRSZ])
        return bad(m, "dynamic section lacks DT_HASH, DT_STRTAB, DT_SYMTAB or DT_STRSZ");
    if ((di->has[DT_SYMENT] && di->val[DT_SYMENT] != sizeof(Elf64_Sym)) ||
        (di->has[DT_RELAENT] && di->val[DT_RELAENT] != sizeof(Elf64_Rela)))
        return bad(m, "unexpected DT_SYMENT or DT_RELAENT");
    if (di->has[DT_RELA] != di->has[DT_RELASZ] || di->has[DT_JMPREL] != di->has[DT_PLTRELSZ] ||
        (di->has[DT_JMPREL] && (!di->has[DT_PLTREL] || di->val[DT_PLTREL] != DT_RELA)))
        return bad(m, "inconsistent relocation tags");
    return MI_OK;
}

typedef struct symtab {
    uint64_t strtab, strsz; /* file offsets */
    uint64_t symtab, nsyms;
} symtab;

static mi_status check_hash(img *m, const dyninfo *di, symtab *t) {
    uint64_t off, hoff;
    uint32_t hdr[2];
    t->strsz = di->val[DT_STRSZ];
    if (!map_file(m, di->val[DT_STRTAB], t->strsz, &t->strtab))
        return bad(m, "string table outside the image");
    if (!map_file(m, di->val[DT_HASH], sizeof hdr, &hoff))
        return bad(m, "hash table outside the image");
    memcpy(hdr, m->p + hoff, sizeof hdr);
    uint64_t nbucket = hdr[0], nchain = hdr[1];
    if (nbucket == 0 || nchain == 0)
        return bad(m, "empty hash table");
    if (!map_file(m, di->val[DT_HASH], 8 + 4 * (nbucket + nchain), &hoff))
        return bad(m, "hash table outside the image");
    /* The symbol count of a SysV hash table is nchain. */
    if (nchain > m->n / sizeof(Elf64_Sym) ||
        !map_file(m, di->val[DT_SYMTAB], nchain * sizeof(Elf64_Sym), &off))
        return bad(m, "symbol table outside the image");
    t->symtab = off;
    t->nsyms = nchain;
    const uint8_t *bucket = m->p + hoff + 8, *chain = bucket + 4 * nbucket;
    uint8_t *seen = calloc((size_t)(nchain + 7) / 8, 1);
    if (seen == NULL)
        return mi_diag_set(m->d, MI_E_NOMEM, "out of memory checking a native image");
    mi_status st = MI_OK;
    for (uint64_t b = 0; b < nbucket && st == MI_OK; b++) {
        uint32_t i;
        memcpy(&i, bucket + 4 * b, 4);
        while (i != 0) {
            if (i >= nchain) {
                st = bad(m, "hash table entry %u out of range", i);
                break;
            }
            if (seen[i / 8] & (1u << (i % 8))) {
                st = bad(m, "hash chains loop or share symbol %u", i);
                break;
            }
            seen[i / 8] |= (uint8_t)(1u << (i % 8));
            memcpy(&i, chain + 4 * (uint64_t)i, 4);
        }
    }
    free(seen);
    return st;
}

static mi_status check_symbols(img *m, const symtab *t) {
    for (uint64_t i = 1; i < t->nsyms; i++) {
        Elf64_Sym s;
        memcpy(&s, m->p + t->symtab + i * sizeof s, sizeof s);
        const char *name = str_at(m, t->strtab, t->strsz, s.st_name);
        if (name == NULL)
            return bad(m, "symbol %llu has a name outside the string table", (unsigned long long)i);
        unsigned type = ELF64_ST_TYPE(s.st_info);
        if (s.st_shndx == SHN_UNDEF)
            return bad(m, "undefined symbol '%.200s' (images must be self-contained; see "
                          "translator/README.md for C constructs that need libtcc1 helpers)", name);
        if (type == STT_TLS || type == STT_GNU_IFUNC)
            return bad(m, "symbol '%.200s' is thread-local or an indirect function", name);
        if (s.st_shndx >= SHN_LORESERVE && s.st_shndx != SHN_ABS)
            return bad(m, "symbol '%.200s' has a reserved section index", name);
        if (s.st_shndx == SHN_ABS)
            continue;
        if (type == STT_FUNC ? !in_memory(m, s.st_value, 1, PF_X)
                             : !(in_memory(m, s.st_value, 0, 0)))
            return bad(m, "symbol '%.200s' points outside its segments", name);
    }
    return MI_OK;
}

static mi_status check_relocs(img *m, const symtab *t, uint64_t vaddr, uint64_t size,
                              const char *what) {
    uint64_t off;
    if (size % sizeof(Elf64_Rela) != 0 || !map_file(m, vaddr, size, &off))
        return bad(m, "%s relocation table outside the image or misaligned", what);
    for (uint64_t k = 0; k < size / sizeof(Elf64_Rela); k++) {
        Elf64_Rela r;
        memcpy(&r, m->p + off + k * sizeof r, sizeof r);
        uint64_t type = ELF64_R_TYPE(r.r_info), sym = ELF64_R_SYM(r.r_info);
        /* Checked for R_NONE too: with DT_RELACOUNT glibc applies the first
         * entries as RELATIVE without looking at their type. */
        if (!in_memory(m, r.r_offset, 8, PF_W))
            return bad(m, "relocation at 0x%llx outside writable memory (text relocation)",
                       (unsigned long long)r.r_offset);
        if (type == HOST_R_NONE)
            continue;
        if (type != HOST_R_RELATIVE || sym != 0) {
            const char *name = "";
            if (sym < t->nsyms) {
                Elf64_Sym s;
                memcpy(&s, m->p + t->symtab + sym * sizeof s, sizeof s);
                name = str_at(m, t->strtab, t->strsz, s.st_name);
            }
            return bad(m, "relocation of type %llu against symbol '%.200s': an image may refer "
                          "only to its own static functions and objects",
                       (unsigned long long)type, name ? name : "?");
        }
    }
    return MI_OK;
}

static mi_status check_all(img *m) {
    mi_status st = check_ehdr(m);
    if (st == MI_OK)
        st = check_phdrs(m);
    if (st != MI_OK)
        return st;
    dyninfo di;
    symtab t;
    if ((st = read_dynamic(m, &di)) != MI_OK || (st = check_hash(m, &di, &t)) != MI_OK)
        return st;
    if (di.needed) {
        const char *name = str_at(m, t.strtab, t.strsz, di.needed_name);
        return bad(m, "depends on shared library '%.200s' (DT_NEEDED)", name ? name : "?");
    }
    if (di.has[DT_SONAME] && str_at(m, t.strtab, t.strsz, di.val[DT_SONAME]) == NULL)
        return bad(m, "DT_SONAME outside the string table");
    if (di.has[DT_PLTGOT] && !in_memory(m, di.val[DT_PLTGOT], 3 * 8, PF_W))
        return bad(m, "DT_PLTGOT outside writable memory");
    if ((st = check_symbols(m, &t)) != MI_OK)
        return st;
    if (di.has[DT_RELA] && (st = check_relocs(m, &t, di.val[DT_RELA], di.val[DT_RELASZ], "DT_RELA")))
        return st;
    if (di.has[DT_JMPREL] &&
        (st = check_relocs(m, &t, di.val[DT_JMPREL], di.val[DT_PLTRELSZ], "DT_JMPREL")))
        return st;
    return MI_OK;
}

mi_status mi_elf_check(const uint8_t *image, size_t n, mi_diag *d) {
    if (image == NULL && n != 0)
        return mi_diag_set(d, MI_E_ARG, "mi_elf_check: no image");
    img *m = calloc(1, sizeof *m);
    if (m == NULL)
        return mi_diag_set(d, MI_E_NOMEM, "out of memory checking a native image");
    m->p = image;
    m->n = n;
    m->d = d;
    mi_status st = check_all(m);
    if (st == MI_OK && m->stack < 0)
        st = bad(m, "no PT_GNU_STACK (not patched by mi_elf_check_and_patch)");
    free(m);
    return st;
}

/* Append a new program header table: PT_PHDR, the old entries (without an old
 * PT_PHDR), a read-only PT_LOAD mapping the table, and PT_GNU_STACK (RW). The
 * new PT_LOAD sits above every segment, congruent to its file offset modulo
 * 64 KiB, so it loads on any page size up to 64 KiB. */
static mi_status add_gnu_stack(img *m, uint8_t **image, size_t *n) {
    unsigned keep = 0;
    for (unsigned i = 0; i < m->phnum; i++)
        keep += m->ph[i].p_type != PT_PHDR;
    unsigned newnum = keep + 3;
    if (newnum > MAX_PHNUM)
        return bad(m, "too many program headers to add PT_GNU_STACK");
    uint64_t maxend = 0;
    for (unsigned k = 0; k < m->nload; k++) {
        const Elf64_Phdr *ph = &m->ph[m->load[k]];
        if (ph->p_vaddr + ph->p_memsz > maxend)
            maxend = ph->p_vaddr + ph->p_memsz;
    }
    uint64_t e = align_up(m->n, 8), size = newnum * sizeof(Elf64_Phdr);
    uint64_t v = align_up(maxend, PHDR_ALIGN) + e % PHDR_ALIGN;
    if (e + size > MI_ELF_MAX_IMAGE || v + size - align_down(m->ph[m->load[0]].p_vaddr, 4096) > MAX_SPAN)
        return bad(m, "too large to add PT_GNU_STACK");
    uint8_t *p = realloc(*image, (size_t)(e + size));
    if (p == NULL)
        return mi_diag_set(m->d, MI_E_NOMEM, "out of memory patching a native image");
    *image = p;
    memset(p + m->n, 0, (size_t)(e - m->n));
    Elf64_Phdr *out = (Elf64_Phdr *)(void *)(p + e); /* e is 8-aligned in a malloc'd block */
    unsigned j = 0;
    out[j++] = (Elf64_Phdr){.p_type = PT_PHDR, .p_flags = PF_R, .p_offset = e, .p_vaddr = v,
                            .p_paddr = v, .p_filesz = size, .p_memsz = size, .p_align = 8};
    for (unsigned i = 0; i < m->phnum; i++)
        if (m->ph[i].p_type != PT_PHDR)
            out[j++] = m->ph[i];
    out[j++] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R, .p_offset = e, .p_vaddr = v,
                            .p_paddr = v, .p_filesz = size, .p_memsz = size, .p_align = PHDR_ALIGN};
    out[j++] = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W, .p_align = 16};
    Elf64_Ehdr eh = m->eh;
    eh.e_phoff = e;
    eh.e_phnum = (Elf64_Half)newnum;
    memcpy(p, &eh, sizeof eh);
    *n = (size_t)(e + size);
    return MI_OK;
}

mi_status mi_elf_check_and_patch(uint8_t **image, size_t *n, mi_diag *d) {
    if (image == NULL || n == NULL || (*image == NULL && *n != 0))
        return mi_diag_set(d, MI_E_ARG, "mi_elf_check_and_patch: no image");
    img *m = calloc(1, sizeof *m);
    if (m == NULL)
        return mi_diag_set(d, MI_E_NOMEM, "out of memory checking a native image");
    m->p = *image;
    m->n = *n;
    m->d = d;
    mi_status st = check_all(m);
    if (st == MI_OK && m->stack < 0) {
        /* Patch in place (realloc, not a copy: images can be megabytes). The
         * first *n bytes change only in the ELF header, restored on failure. */
        Elf64_Ehdr saved = m->eh;
        size_t nn = *n;
        st = add_gnu_stack(m, image, &nn);
        /* The patched image must pass the full check itself. */
        if (st == MI_OK && (st = mi_elf_check(*image, nn, d)) != MI_OK)
            memcpy(*image, &saved, sizeof saved);
        if (st == MI_OK)
            *n = nn;
    }
    free(m);
    return st;
}
