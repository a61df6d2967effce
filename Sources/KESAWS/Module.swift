enum KESAWSModule {}
