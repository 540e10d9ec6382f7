# sample-data/demo.sc: the sparsesc demo, run by `./bootstrap.sh demo`.
# It grows with the project: simulated data first, then the shared real data.
echo == sparsesc demo ==
version
set seed 1
set threads 2
show
help
