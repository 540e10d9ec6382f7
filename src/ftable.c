/* ftable.c: placeholder until its helper lands. */
#include "ftable.h"
typedef int sc_placeholder_ftable;
