enum KESVaultModule {}
