// Placeholder until the emulator lands.
export const dev = async (): Promise<number> => {
  console.error('not implemented yet');
  return 1;
};
