/* cmd-coverage.c: placeholder until its helper lands. */
#include "cmd.h"
const cmd_entry cmd_group_coverage[] = {{0}};
