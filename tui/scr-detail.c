/* scr-detail.c: placeholder until its helper lands. */
typedef int sc_placeholder_scr_detail;
