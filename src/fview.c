/* fview.c: placeholder until its helper lands. */
#include "fview.h"
typedef int sc_placeholder_fview;
