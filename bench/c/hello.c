/* hello.c - benchmark: start-up cost of a program that prints one line. */
#include <stdio.h>

int main(void) {
    puts("Hello, world!");
    return 0;
}
