/* cmd-lens.c: placeholder until its helper lands. */
#include "cmd.h"
const cmd_entry cmd_group_lens[] = {{0}};
