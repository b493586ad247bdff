// Placeholder until the installer lands.
const notYet = async (): Promise<number> => {
  console.error('not implemented yet');
  return 1;
};
export const install = notYet;
export const uninstall = notYet;
export const doctor = notYet;
