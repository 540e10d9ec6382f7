help set
