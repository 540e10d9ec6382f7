source binary.dat
echo not reached
