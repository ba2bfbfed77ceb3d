/* The `mi` command: git-style subcommands listed in commands.def. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"

#ifndef MI_VERSION_STRING
#define MI_VERSION_STRING "0"
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
#define X(name, fn, help) {#name, fn, help},
#include "commands.def"
#undef X
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void print_help(FILE *f) {
    fprintf(f, "usage: mi COMMAND [ARGS...]\n"
               "       mi COMMAND --help\n"
               "       mi --help | --version\n\n"
               "MI: a machine interface in the tradition of System/38 and AS/400.\n\n"
               "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\nexit status:\n"
               "  0..255  the program's own status (mi run): 0, or the value given to EXIT;\n"
               "          0 for the other commands when they succeed\n"
               "  1       an error before or outside the program: a file cannot be read or\n"
               "          written, assembly or verification errors\n"
               "  2       usage error (bad command line)\n"
               "  3       the program ended with an unhandled MI exception, reported on\n"
               "          standard error as: mi: unhandled exception ID in program NAME at\n"
               "          instruction N (line L): MESSAGE\n");
}

int main(int argc, char **argv) {
    /* A closed pipe must surface as a write error (MIE0005 in a program), not kill mi. */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        print_help(stderr);
        return MI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (argc == 3 && strcmp(cmd, "help") == 0) {
            char help[] = "--help";
            char *args[] = {argv[2], help, NULL};
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(argv[2], commands[i].name) == 0) return commands[i].fn(2, args);
            mi_cli_error("unknown command '%s' (see mi --help)", argv[2]);
            return MI_EXIT_USAGE;
        }
        print_help(stdout);
        return MI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("mi %s (MI version %u, template format %u)\n", MI_VERSION_STRING, MI_VERSION,
               MI_FORMAT_VERSION);
        return MI_EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
    mi_cli_error("unknown command '%s' (see mi --help)", cmd);
    return MI_EXIT_USAGE;
}
