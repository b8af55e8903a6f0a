/** lua/**\/*.lua by path under lua/, embedded by the build (see tsup.config.ts). */
declare module 'seatgrid:lua' {
  const files: Readonly<Record<string, string>>;
  export default files;
}
