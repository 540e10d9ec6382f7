source .
