echo bye
quit 3
echo not reached
